import FileIO
import Foundation
import GGUF
import TestSupport
import Testing
@testable import Engine

struct ControlVectorTests {
    @Test func writtenFilesReadBackIdentically() throws {
        let cv = ControlVector(modelHint: "llama", directions: [3: [1, -2, 0.5, 4], 7: [0, 0, 1, 0.25]])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cv-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try cv.write(to: path, replace: false)
        let back = try ControlVector(path: path)
        #expect(back == cv)
        let f = try GGUFFile(path: path)
        #expect(f.architecture == "controlvector")
        #expect(f["controlvector.layer_count"]?.int == 2)
        #expect(f.tensor(named: "direction.7")?.dims == [4])
        #expect(cv.warnings.isEmpty)
    }

    /// `--steer FIFO` used to block forever in open(2).
    @Test func aNamedPipeIsRefusedAtOnce() throws {
        let fifo = try FIFO(name: "calm.gguf")
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: GGUFError.self) { _ = try ControlVector(path: fifo.path) } }
        #expect(seconds < 1)
        #expect(e == .cannotOpen(path: fifo.path, reason: "it is a named pipe (FIFO), not a regular file"))
    }

    @Test func anExistingFileIsReplacedOnlyWhenAsked() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cv-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = ControlVector(modelHint: "llama", directions: [3: [1, 2, 3, 4]])
        let second = ControlVector(modelHint: "llama", directions: [3: [4, 3, 2, 1]])
        try first.write(to: path, replace: false)
        #expect(throws: FileIOError.exists(path: path)) { try second.write(to: path, replace: false) }
        #expect(try ControlVector(path: path) == first)
        try second.write(to: path, replace: true)
        #expect(try ControlVector(path: path) == second)
    }

    /// The shape repeng's `ControlVector.export_gguf` writes through gguf-py: `general.architecture`
    /// "controlvector", `controlvector.model_hint`, `controlvector.layer_count` as uint32 (the number of
    /// directions), and an f32 `direction.{layer}` per layer, in dictionary order (not sorted).
    @Test func repengShapedFileLoads() throws {
        var w = GGUFWriter()
        w.set("general.architecture", "controlvector")
        w.set("controlvector.model_hint", "qwen2")
        w.set("controlvector.layer_count", .uint32(3))
        w.addTensor("direction.12", dims: [4], floats: [0.1, 0.2, 0.3, 0.4])
        w.addTensor("direction.1", dims: [4], floats: [1, 0, 0, 0])
        w.addTensor("direction.5", dims: [4], floats: [0, 1, 0, 0])
        let cv = try ControlVector(file: GGUFFile(bytes: w.serialize()))
        #expect(cv.modelHint == "qwen2")
        #expect(cv.layers == [1, 5, 12])
        #expect(cv.directions[12] == [0.1, 0.2, 0.3, 0.4])
        #expect(cv.width == 4)
    }

    @Test func layerZeroWarns() {
        #expect(ControlVector(modelHint: "llama", directions: [0: [1]]).warnings.count == 1)
    }

    @Test func notAControlVectorIsAClearError() throws {
        var w = GGUFWriter()
        w.addTensor("something", dims: [4], floats: [1, 2, 3, 4])
        do { _ = try ControlVector(file: GGUFFile(bytes: w.serialize(), name: "x.gguf")); Issue.record("no error") } catch {
            #expect("\(error)".contains("holds no direction.N tensors"))
        }
        var u = GGUFWriter()
        u.addTensor("direction.1", dims: [4], floats: [1, 2, 3, 4])
        u.addTensor("direction.2", dims: [3], floats: [1, 2, 3])
        #expect(throws: EngineError.self) { try ControlVector(file: GGUFFile(bytes: u.serialize())) }
        var v = GGUFWriter()
        v.addTensor("direction.x", dims: [4], floats: [1, 2, 3, 4])
        #expect(throws: EngineError.self) { try ControlVector(file: GGUFFile(bytes: v.serialize())) }
    }
}
