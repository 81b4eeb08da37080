import Foundation

// JSON has no NaN or infinity, and a log line holding one is not JSON at all. Every number in an event goes
// through these helpers: a value that is not finite is written as `null` and read back as missing.

extension KeyedEncodingContainer {
    /// Writes `value`; `null` when it is nil or not finite.
    mutating func encodeNumber(_ value: Double?, forKey key: Key) throws {
        if let v = finiteOrNil(value) { try encode(v, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Leaves the key out when `value` is nil; writes `null` when it is not finite.
    mutating func encodeNumberIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encodeNumber(value, forKey: key) }
    }

    /// A map from emotion to number; a number that is not finite is written as `null`.
    mutating func encodeNumbers(_ values: [String: Double], forKey key: Key) throws {
        try encode(values.mapValues { finiteOrNil($0) }, forKey: key)
    }

    /// A list of numbers; nil or not finite is written as `null` (a list keeps its positions).
    mutating func encodeNumberList(_ values: [Double?], forKey key: Key) throws {
        try encode(values.map(finiteOrNil), forKey: key)
    }

    /// A map from emotion to a list of numbers, as `encodeNumberList`.
    mutating func encodeNumberLists(_ values: [String: [Double?]], forKey key: Key) throws {
        try encode(values.mapValues { $0.map(finiteOrNil) }, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// A key that must be present and may be `null` (a number that was not finite when written).
    func decodeNullableNumber(forKey key: Key) throws -> Double? {
        guard contains(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no key '\(key.stringValue)'"))
        }
        return try decodeIfPresent(Double.self, forKey: key)
    }

    /// An emotion → number map; `null` values (not finite when written) are left out.
    func decodeNumbers(forKey key: Key) throws -> [String: Double] {
        try decode([String: Double?].self, forKey: key).compactMapValues { $0 }
    }

    func decodeNumbersIfPresent(forKey key: Key) throws -> [String: Double]? {
        try decodeIfPresent([String: Double?].self, forKey: key)?.compactMapValues { $0 }
    }
}

func finiteOrNil(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
}
