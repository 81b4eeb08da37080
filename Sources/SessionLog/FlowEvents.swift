import Foundation

// Events that change the course of a session: a policy's action, a pause and its resumption, the end.

/// The `action` event: a policy guard fired.
///
/// ```json
/// {"event":"action","time":…,"turn":4,"guard":"sustained desperation","action":"pause","detail":"Desperation stayed high …"}
/// ```
public struct ActionEvent: Codable, Sendable, Equatable {
    public var turn: Int
    /// The guard's name in its policy file.
    public var guardName: String
    /// `pause`, `tell`, `steer`, `log` or `abort`.
    public var action: String
    /// What the action said or did.
    public var detail: String

    public init(turn: Int, guardName: String, action: String, detail: String) {
        self.turn = turn
        self.guardName = guardName
        self.action = action
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case turn, action, detail
        case guardName = "guard"
    }
}

/// The `pause` event: the session stopped for a human's decision.
///
/// ```json
/// {"event":"pause","time":…,"turn":4,"reason":"Desperation stayed high for two turns; …"}
/// ```
public struct PauseEvent: Codable, Sendable, Equatable {
    public var turn: Int
    public var reason: String

    public init(turn: Int, reason: String) {
        self.turn = turn
        self.reason = reason
    }
}

/// The `resume` event: a paused session went on before `turn`, and how.
///
/// ```json
/// {"event":"resume","time":…,"turn":5,"choice":"edit","original_reply":"…","edited_reply":"…"}
/// ```
///
/// `choice`: `continue`, `steer` (`detail` says what), `edit` (the last reply replaced: both texts are kept),
/// `abort`, or `log` (`limbic chat --resume` rebuilt the conversation from this log; `detail` names it).
public struct ResumeEvent: Codable, Sendable, Equatable {
    public var turn: Int
    public var choice: String?
    public var detail: String?
    public var originalReply: String?
    public var editedReply: String?

    public init(turn: Int, choice: String? = nil, detail: String? = nil, originalReply: String? = nil, editedReply: String? = nil) {
        self.turn = turn
        self.choice = choice
        self.detail = detail
        self.originalReply = originalReply
        self.editedReply = editedReply
    }

    enum CodingKeys: String, CodingKey {
        case turn, choice, detail
        case originalReply = "original_reply"
        case editedReply = "edited_reply"
    }
}

/// The `end` event: why the session ended and how many turns it had.
///
/// ```json
/// {"event":"end","time":…,"reason":"eof","turns":3}
/// ```
public struct EndEvent: Codable, Sendable, Equatable {
    /// `eof`, `quit`, `interrupted`, `error`, `finished`, `max_steps`, …
    public var reason: String
    public var turns: Int
    /// An agent run's result (`limbic run`); nil for a chat.
    public var outcome: TaskOutcome?

    public init(reason: String, turns: Int, outcome: TaskOutcome? = nil) {
        self.reason = reason
        self.turns = turns
        self.outcome = outcome
    }
}
