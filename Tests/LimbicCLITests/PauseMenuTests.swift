import Testing
@testable import LimbicCLI

/// The menu at a pause: each answer, a wrong answer asked again, end of input as abort.
struct PauseMenuTests {
    func ask(_ answers: [String?], reply: String? = "edited") -> (PauseChoice, [String]) {
        var answers = answers[...], notes: [String] = []
        let choice = PauseMenu.ask(readLine: { _ in answers.popFirst() ?? nil }, readReply: { reply }, note: { notes.append($0) })
        return (choice, notes)
    }

    @Test func eachAnswerIsUnderstood() {
        #expect(ask(["c"]).0 == .goOn)
        #expect(ask(["s"]).0 == .steerCalm(turns: PauseMenu.defaultSteerTurns))
        #expect(ask(["steer 5"]).0 == .steerCalm(turns: 5))
        #expect(ask(["e"]).0 == .edit("edited"))
        #expect(ask(["A"]).0 == .abort)
    }

    @Test func aWrongAnswerIsAskedAgainAndEndOfInputAborts() {
        let (choice, notes) = ask(["maybe", "s 0", "c"])
        #expect(choice == .goOn && notes == ["answer c, s N, e or a", "steer takes a number of turns from 1 to 100, e.g. 's 3'"])
        #expect(ask([nil]).0 == .abort)
        #expect(ask(["e"], reply: nil).0 == .abort)
        #expect(ask(["e", "c"], reply: "  ").0 == .goOn, "an empty edit is refused, then the menu asks again")
    }

    @Test func anAgentRunsMenuHasQuitAndNoEdit() {
        var answers = ["e", "q"][...], notes: [String] = [], prompts: [String] = []
        let choice = PauseMenu.ask(readLine: { prompts.append($0); return answers.popFirst() }, readReply: { "x" },
                                   note: { notes.append($0) }, run: true)
        #expect(choice == .quit && notes == ["answer c, s N, q or a"] && prompts.allSatisfy { $0 == PauseMenu.runPrompt })
        #expect(PauseMenu.ask(readLine: { _ in nil }, readReply: { nil }, note: { _ in }, run: true) == .quit, "end of input keeps the run")
        #expect(PauseMenu.ask(readLine: { _ in "s 2" }, readReply: { nil }, note: { _ in }, run: true) == .steerCalm(turns: 2))
    }
}
