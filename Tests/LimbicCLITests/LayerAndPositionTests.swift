import Engine
import LimbicCLI
import Testing

/// `capture --layers` / `bench --capture` lists and `capture --positions`.
@Suite struct LayerListTests {
    @Test func lists() throws {
        #expect(try LayerSelection.parse("all", option: "--layers") == .all)
        #expect(try LayerSelection.parse("3", option: "--layers") == .sites([.layer(3)]))
        #expect(try LayerSelection.parse("embd,0,5,10-12", option: "--layers")
                == .sites([.embedding, .layer(0), .layer(5), .layer(10), .layer(11), .layer(12)]))
        #expect(try LayerList.layers("7,2-3", option: "--x") == [7, 2, 3])
    }

    @Test(arguments: [
        (",", "--layers: empty item in the layer list ','"),
        ("", "--layers: no layers given (use N, A-B or embd, separated by commas)"),
        ("1,2,", "--layers: empty item in the layer list '1,2,'"),
        ("3--5", "--layers: cannot read '3--5' as a layer (use N, A-B or embd; layers count from 0)"),
        ("-1", "--layers: cannot read '-1' as a layer (use N, A-B or embd; layers count from 0)"),
        (" 3", "--layers: cannot read ' 3' as a layer (use N, A-B or embd; layers count from 0)"),
        ("all,3", "--layers: cannot read 'all' as a layer (use N, A-B or embd; layers count from 0)"),
        ("embd,embd", "--layers: embd is named twice"),
        ("0-4,4", "--layers: layer 4 is named twice"),
        ("5-2", "--layers: the range 5-2 runs backwards"),
        ("0-9223372036854775807", "--layers: layer 9223372036854775807 is past 9999"),
        ("99999999999999999999", "--layers: layer 99999999999999999999 is past 9999"),
    ])
    func malformedListsAreUsageErrors(text: String, message: String) {
        #expect(usageMessage { _ = try LayerSelection.parse(text, option: "--layers") } == message)
    }

    @Test func theModelsLayerCountIsCheckedOnceKnown() throws {
        #expect(try LayerSelection.all.sites(layerCount: 3, option: "--layers") == [.layer(0), .layer(1), .layer(2)])
        let list = try LayerSelection.parse("embd,0-2", option: "--capture")
        #expect(try list.sites(layerCount: 3, option: "--capture") == [.embedding, .layer(0), .layer(1), .layer(2)])
        #expect(usageMessage { _ = try list.sites(layerCount: 2, option: "--capture") } == "--capture: layer 2 is outside 0-1")
    }

    @Test func aFullRangeIsBounded() throws {
        #expect(try LayerList.layers("0-9999", option: "--x").count == 10_000)
    }
}

@Suite struct PositionTests {
    @Test func selectors() throws {
        #expect(try PositionRange.selector("last", option: "--positions") == .last)
        #expect(try PositionRange.selector("all", option: "--positions") == .all)
        #expect(try PositionRange.selector("3-7", option: "--positions") == .range(3..<8))
        #expect(try PositionRange.selector("0-0", option: "--positions") == .range(0..<1))
        #expect(try PositionRange.parse("12-", option: "--x", openEnded: true) == 12..<Int.max)
    }

    @Test(arguments: [
        ("0-9223372036854775807", "--positions: position 9223372036854775807 is past 9999999"),
        ("10000000-10000001", "--positions: position 10000000 is past 9999999"),
        ("7-3", "--positions: the range 7-3 runs backwards"),
        ("5", "--positions: use last, all or A-B (got '5')"),
        ("first", "--positions: use last, all or A-B (got 'first')"),
        ("5-", "--positions: positions must be A-B (got '5-')"),
        ("-5", "--positions: positions must be A-B (got '-5')"),
        ("1-2-3", "--positions: positions must be A-B (got '1-2-3')"),
        ("-", "--positions: positions must be A-B (got '-')"),
    ])
    func malformedPositionsAreUsageErrors(text: String, message: String) {
        #expect(usageMessage { _ = try PositionRange.selector(text, option: "--positions") } == message)
    }
}
