// Token ids from llama.cpp's `llama-tokenize` (commit 0c1e57098, `--ids --no-escape`, add_special, parse_special as
// given), copied from ../shared/golden/smollm2-135m-instruct-q4_1.json and
// ../shared/golden/qwen2.5-coder-1.5b-instruct-q4_k_m.json (`cases[].prompt_utf8_hex`, `token_ids`).
// Nothing reads ../shared at run time.

struct GoldenCase: Sendable {
    let name: String
    /// The exact prompt bytes, as hex.
    let hex: String
    let parseSpecial: Bool
    let ids: [Int]

    var text: String {
        var bytes = [UInt8]()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            bytes.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

enum Golden {
    static let smollm2: [GoldenCase] = [
        GoldenCase(name: "hello", hex: "48656c6c6f",
                   parseSpecial: true, ids: [19556]),
        GoldenCase(name: "capital_of_france", hex: "546865206361706974616c206f66204672616e6365206973",
                   parseSpecial: true, ids: [504,3575,282,4649,314]),
        GoldenCase(name: "desperate_deadline", hex: "49206665656c20736f206465737065726174652c206e6f7468696e6720776f726b7320616e642074686520646561646c696e6520697320746f6d6f72726f772e",
                   parseSpecial: true, ids: [57,1407,588,22415,28,3878,1806,284,260,19652,314,13759,30]),
        GoldenCase(name: "chatml_user_assistant", hex: "3c7c696d5f73746172747c3e757365720a486f772061726520796f75206665656c696e6720746f6461793f3c7c696d5f656e647c3e0a3c7c696d5f73746172747c3e617373697374616e740a",
                   parseSpecial: true, ids: [1,4093,198,2020,359,346,4330,1834,47,2,198,1,520,9531,198]),
        GoldenCase(name: "unicode_mix", hex: "636166c3a9206e61c3af766520e2809420e69db1e4baac20f09f9982203132333435363720746f6b656e7321",
                   parseSpecial: true, ids: [83,1939,2756,15486,46494,1841,17097,247,126,16736,122,47526,216,33,34,35,36,37,38,39,17837,17]),
        GoldenCase(name: "leading_spaces_tabs", hex: "2020206c656164696e67207370616365730a0a616e640974616273",
                   parseSpecial: true, ids: [256,2899,5600,198,198,397,197,100,7366]),
        GoldenCase(name: "chatml_user_assistant_no_parse_special", hex: "3c7c696d5f73746172747c3e757365720a486f772061726520796f75206665656c696e6720746f6461793f3c7c696d5f656e647c3e0a3c7c696d5f73746172747c3e617373697374616e740a",
                   parseSpecial: false, ids: [44,108,306,79,3738,108,46,4093,198,2020,359,346,4330,1834,15137,108,306,79,486,108,46,198,44,108,306,79,3738,108,46,520,9531,198]),
    ]
    static let qwen25: [GoldenCase] = [
        GoldenCase(name: "hello", hex: "48656c6c6f",
                   parseSpecial: true, ids: [9707]),
        GoldenCase(name: "capital_of_france", hex: "546865206361706974616c206f66204672616e6365206973",
                   parseSpecial: true, ids: [785,6722,315,9625,374]),
        GoldenCase(name: "desperate_deadline", hex: "49206665656c20736f206465737065726174652c206e6f7468696e6720776f726b7320616e642074686520646561646c696e6520697320746f6d6f72726f772e",
                   parseSpecial: true, ids: [40,2666,773,27395,11,4302,4278,323,279,21428,374,16577,13]),
        GoldenCase(name: "chatml_user_assistant", hex: "3c7c696d5f73746172747c3e757365720a486f772061726520796f75206665656c696e6720746f6461793f3c7c696d5f656e647c3e0a3c7c696d5f73746172747c3e617373697374616e740a",
                   parseSpecial: true, ids: [151644,872,198,4340,525,498,8266,3351,30,151645,198,151644,77091,198]),
        GoldenCase(name: "unicode_mix", hex: "636166c3a9206e61c3af766520e2809420e69db1e4baac20f09f9982203132333435363720746f6b656e7321",
                   parseSpecial: true, ids: [924,58858,94880,586,1959,60596,109,46553,27484,220,16,17,18,19,20,21,22,11211,0]),
        GoldenCase(name: "leading_spaces_tabs", hex: "2020206c656164696e67207370616365730a0a616e640974616273",
                   parseSpecial: true, ids: [256,6388,12621,271,437,3244,3435]),
    ]
}
