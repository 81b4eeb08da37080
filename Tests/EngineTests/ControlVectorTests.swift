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

    /// A file is checked against the model it will steer before anything is allocated for it: width, layers, size.
    @Test func shapesAreCheckedAgainstTheModel() throws {
        let model = try TinyModel.weights().config   // hidden 32, 3 layers
        func file(_ build: (inout GGUFWriter) -> Void) throws -> GGUFFile {
            var w = GGUFWriter()
            w.set("general.architecture", "controlvector")
            build(&w)
            return try GGUFFile(bytes: w.serialize(), name: "cv.gguf")
        }
        func message(_ f: GGUFFile, for config: ModelConfig? = model) -> String {
            let e = #expect(throws: EngineError.self) { _ = try ControlVector(file: f, for: config) }
            return e?.description ?? ""
        }
        let fine = try file { $0.addTensor("direction.2", dims: [32], floats: [Float](repeating: 0.5, count: 32)) }
        #expect(try ControlVector(file: fine, for: model).layers == [2])
        let wide = try file { $0.addTensor("direction.1", dims: [64], floats: [Float](repeating: 1, count: 64)) }
        #expect(message(wide) == "bad steering vector: cv.gguf: 'direction.1' has 64 values; the model's hidden size is 32")
        let deep = try file { $0.addTensor("direction.3", dims: [32], floats: [Float](repeating: 1, count: 32)) }
        #expect(message(deep) == "bad steering vector: cv.gguf: tensor 'direction.3' is for layer 3, past the model's last layer, 2")
        let far = try file { $0.addTensor("direction.99999999999999999999", dims: [4], floats: [1, 2, 3, 4]) }
        #expect(message(far, for: nil).contains("is not direction.N with a layer number N"))
        let twice = try file {
            $0.addTensor("direction.1", dims: [32], floats: [Float](repeating: 1, count: 32))
            $0.addTensor("direction.01", dims: [32], floats: [Float](repeating: 2, count: 32))
        }
        #expect(message(twice) == "bad steering vector: cv.gguf: layer 1 has two direction tensors")
        let mixed = try file {
            $0.addTensor("direction.1", dims: [4], floats: [1, 2, 3, 4])
            $0.addTensor("direction.2", dims: [8], floats: [Float](repeating: 1, count: 8))
        }
        #expect(message(mixed, for: nil) == "bad steering vector: cv.gguf: direction tensors have different lengths (4 and 8)")
        // A file larger than one F32 direction per layer can be is refused before it is mapped.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cv-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var big = GGUFWriter()
        big.set("general.architecture", "controlvector")
        big.set("padding", String(repeating: "x", count: ControlVector.maxFileBytes(for: model)))
        big.addTensor("direction.1", dims: [32], floats: [Float](repeating: 1, count: 32))
        try big.write(to: path, replace: false)
        let e = #expect(throws: GGUFError.self) { _ = try ControlVector(path: path, for: model) }
        #expect(e?.description.contains("more than the 1.0 MiB Limbic reads here") == true)
        #expect(try ControlVector(path: path).layers == [1])   // without a model only the shapes are checked
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
