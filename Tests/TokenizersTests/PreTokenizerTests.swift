import Testing
@testable import Tokenizers

/// Word splits of each pre-tokenizer on small strings, against what llama.cpp's regexes give.
///
/// Expected splits were derived from the regexes in llama.cpp's `llama-vocab.cpp` (applied as `unicode.cpp` does:
/// each regex in turn, matches and the gaps between them both becoming pieces) and checked with Python's `regex`
/// module, which knows `\p{L}`/`\p{N}`. Points worth seeing: qwen2 and llama3 let any one non-letter lead a word
/// ("\ttabs", "'hello", "\u{A0}nbsp") and keep trailing newlines with punctuation ("!!!\n\n"); gpt2 and smollm
/// attach only a plain space; qwen2 and smollm isolate every digit, llama3 takes up to three; smollm cuts digits out
/// *before* the gpt2 regex, so "a  1" keeps both spaces together; a combining mark (\p{M}) is not a letter.
struct PreTokenizerTests {
    static let cases: [(text: String, gpt2: [String], smollm: [String], qwen2: [String], llama3: [String])] = [
        ("Hello world",
         ["Hello", " world"],
         ["Hello", " world"],
         ["Hello", " world"],
         ["Hello", " world"]),
        ("I'm can't WE'LL they're",
         ["I", "'m", " can", "'t", " WE", "'", "LL", " they", "'re"],
         ["I", "'m", " can", "'t", " WE", "'", "LL", " they", "'re"],
         ["I", "'m", " can", "'t", " WE", "'LL", " they", "'re"],
         ["I", "'m", " can", "'t", " WE", "'LL", " they", "'re"]),
        ("   leading spaces\n\nand\ttabs",
         ["  ", " leading", " spaces", "\n", "\n", "and", "\t", "tabs"],
         ["  ", " leading", " spaces", "\n", "\n", "and", "\t", "tabs"],
         ["  ", " leading", " spaces", "\n\n", "and", "\ttabs"],
         ["  ", " leading", " spaces", "\n\n", "and", "\ttabs"]),
        ("1234567 tokens!",
         ["1234567", " tokens", "!"],
         ["1", "2", "3", "4", "5", "6", "7", " tokens", "!"],
         ["1", "2", "3", "4", "5", "6", "7", " tokens", "!"],
         ["123", "456", "7", " tokens", "!"]),
        ("x=12345;",
         ["x", "=", "12345", ";"],
         ["x", "=", "1", "2", "3", "4", "5", ";"],
         ["x", "=", "1", "2", "3", "4", "5", ";"],
         ["x", "=", "123", "45", ";"]),
        ("caf\u{E9} na\u{EF}ve \u{2014} \u{6771}\u{4EAC} \u{1F642}",
         ["caf\u{E9}", " na\u{EF}ve", " \u{2014}", " \u{6771}\u{4EAC}", " \u{1F642}"],
         ["caf\u{E9}", " na\u{EF}ve", " \u{2014}", " \u{6771}\u{4EAC}", " \u{1F642}"],
         ["caf\u{E9}", " na\u{EF}ve", " \u{2014}", " \u{6771}\u{4EAC}", " \u{1F642}"],
         ["caf\u{E9}", " na\u{EF}ve", " \u{2014}", " \u{6771}\u{4EAC}", " \u{1F642}"]),
        ("e\u{301}cole",
         ["e", "\u{301}", "cole"],
         ["e", "\u{301}", "cole"],
         ["e", "\u{301}cole"],
         ["e", "\u{301}cole"]),
        ("hello\r\n\r\nworld",
         ["hello", "\r\n\r", "\n", "world"],
         ["hello", "\r\n\r", "\n", "world"],
         ["hello", "\r\n\r\n", "world"],
         ["hello", "\r\n\r\n", "world"]),
        ("a  b   c",
         ["a", " ", " b", "  ", " c"],
         ["a", " ", " b", "  ", " c"],
         ["a", " ", " b", "  ", " c"],
         ["a", " ", " b", "  ", " c"]),
        ("trailing   ",
         ["trailing", "   "],
         ["trailing", "   "],
         ["trailing", "   "],
         ["trailing", "   "]),
        ("foo!!!\n\nbar",
         ["foo", "!!!", "\n", "\n", "bar"],
         ["foo", "!!!", "\n", "\n", "bar"],
         ["foo", "!!!\n\n", "bar"],
         ["foo", "!!!\n\n", "bar"]),
        (" ?!",
         [" ?!"],
         [" ?!"],
         [" ?!"],
         [" ?!"]),
        ("don't STOP'S",
         ["don", "'t", " STOP", "'", "S"],
         ["don", "'t", " STOP", "'", "S"],
         ["don", "'t", " STOP", "'S"],
         ["don", "'t", " STOP", "'S"]),
        ("\u{A0}nbsp\u{3000}ideo",
         ["\u{A0}", "nbsp", "\u{3000}", "ideo"],
         ["\u{A0}", "nbsp", "\u{3000}", "ideo"],
         ["\u{A0}nbsp", "\u{3000}ideo"],
         ["\u{A0}nbsp", "\u{3000}ideo"]),
        ("\u{663}\u{664}\u{665} \u{216B} \u{BD}",
         ["\u{663}\u{664}\u{665}", " \u{216B}", " \u{BD}"],
         ["\u{663}", "\u{664}", "\u{665}", " ", "\u{216B}", " ", "\u{BD}"],
         ["\u{663}", "\u{664}", "\u{665}", " ", "\u{216B}", " ", "\u{BD}"],
         ["\u{663}\u{664}\u{665}", " ", "\u{216B}", " ", "\u{BD}"]),
        ("a  1",
         ["a", " ", " 1"],
         ["a", "  ", "1"],
         ["a", " ", " ", "1"],
         ["a", " ", " ", "1"]),
        ("\t!",
         ["\t", "!"],
         ["\t", "!"],
         ["\t", "!"],
         ["\t", "!"]),
        ("x \n y",
         ["x", " \n", " y"],
         ["x", " \n", " y"],
         ["x", " \n", " y"],
         ["x", " \n", " y"]),
        ("'hello'",
         ["'", "hello", "'"],
         ["'", "hello", "'"],
         ["'hello", "'"],
         ["'hello", "'"]),
    ]

    @Test(arguments: PreTokenizer.Kind.allCases)
    func splitsMatchTheRegex(_ kind: PreTokenizer.Kind) {
        let pre = PreTokenizer(kind: kind)
        for c in Self.cases {
            let want: [String]
            switch kind {
            case .gpt2: want = c.gpt2
            case .smollm: want = c.smollm
            case .qwen2: want = c.qwen2
            case .llama3: want = c.llama3
            }
            #expect(pre.split(c.text) == want, "\(kind) on \(c.text.debugDescription)")
            #expect(pre.split(c.text).joined() == c.text)
        }
    }

    @Test func namesFollowLlamaCpp() throws {
        #expect(try PreTokenizer(name: "smollm").kind == .smollm)
        #expect(try PreTokenizer(name: "qwen2").kind == .qwen2)
        #expect(try PreTokenizer(name: "llama-bpe").kind == .llama3)
        #expect(try PreTokenizer(name: "gpt-2").kind == .gpt2)
        #expect(throws: TokenizerError.self) { try PreTokenizer(name: "tekken") }
        do {
            _ = try PreTokenizer(name: "tekken")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("'tekken'") && message.contains("smollm") && message.contains("qwen2"))
        }
    }

    @Test func emptyAndWhitespaceOnly() {
        for kind in PreTokenizer.Kind.allCases {
            let pre = PreTokenizer(kind: kind)
            #expect(pre.split("") == [])
            #expect(pre.split(" ") == [" "])
            #expect(pre.split("\n") == ["\n"])
        }
    }
}
