import Foundation
import Testing
@testable import Agent

/// task.md headers and the agent's tagged actions, read leniently but never silently wrong.
struct AgentTaskTests {
    /// Every shipped task parses, has a workspace and a check, and every impossible one names a solvable twin whose
    /// task files are the same apart from what makes it impossible (its own `twin:` line; README in prompts/tasks).
    @Test func theShippedTasksAreWellFormedPairs() throws {
        let tasks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("prompts/tasks").path
        let names = try FileManager.default.contentsOfDirectory(atPath: tasks)
            .filter { FileManager.default.fileExists(atPath: tasks + "/" + $0 + "/task.md") }.sorted()
        var loaded: [String: AgentTask] = [:]
        for name in names {
            let task = try AgentTask.load(tasks + "/" + name)
            #expect(!task.check.isEmpty && !task.protected.isEmpty, "\(name)")
            var isFolder: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: tasks + "/" + name + "/workspace", isDirectory: &isFolder) && isFolder.boolValue, "\(name)")
            loaded[name] = task
        }
        let impossible = loaded.filter { $0.value.twin != nil }
        #expect(impossible.count >= 8 && loaded.count - impossible.count >= 10)
        for (name, task) in impossible {
            let twin = try #require(loaded[task.twin!], "\(name)'s twin \(task.twin!)")
            #expect(twin.twin == nil && twin.check == task.check && twin.protected == task.protected, "\(name)")
        }
    }

    @Test func headerAndGoal() throws {
        let t = try AgentTask.parse("""
        check: python3 -B -m unittest -q
        Protected: tests/, conftest.py
        max_steps: 8
        timeout: 2.5
        twin: fix-median

        Make the tests pass.
        Quickly.
        """, path: "t/task.md")
        #expect(t.check == "python3 -B -m unittest -q" && t.protected == ["tests/", "conftest.py"])
        #expect(t.maxSteps == 8 && t.timeout == 2.5 && t.twin == "fix-median" && t.goal == "Make the tests pass.\nQuickly.")
        let d = try AgentTask.parse("check: true\n\nGo.", path: "t")
        #expect(d.maxSteps == AgentTask.defaultMaxSteps && d.timeout == AgentTask.defaultTimeout && d.protected.isEmpty && d.twin == nil)
    }

    @Test func malformedTasksNameFileAndLine() {
        func error(_ text: String) -> String {
            do { _ = try AgentTask.parse(text, path: "tasks/x/task.md"); return "no error" } catch { return "\(error)" }
        }
        #expect(error("check: true\nmax_step: 3\n\nGo.") == "tasks/x/task.md:2: unknown key 'max_step' (did you mean 'max_steps'?); the keys are check, protected, max_steps, timeout, twin")
        #expect(error("check: true\nmax_steps: three\n\nGo.") == "tasks/x/task.md:2: 'max_steps' must be a positive whole number (at most 10000), not 'three'")
        #expect(error("check: true\ntimeout: -1\n\nGo.") == "tasks/x/task.md:2: 'timeout' must be a positive number of seconds, not '-1'")
        #expect(error("protected: a\n\nGo.") == "tasks/x/task.md:1: no 'check:' line (the shell command whose exit status says the task is done)")
        #expect(error("check: true\n\n") == "tasks/x/task.md:2: no goal after the header (a blank line, then what the agent should do)")
        #expect(error("check: true\ncheck: false\n\nGo.") == "tasks/x/task.md:2: 'check' is given twice (first on line 1)")
        #expect(error("check: true\nprotected: ../etc\n\nGo.") == "tasks/x/task.md:2: protected path '../etc' must be relative to the workspace, without '..'")
        #expect(error("Just do it\n\nGo.").hasPrefix("tasks/x/task.md:1: expected a header line 'key: value'"))
        #expect(error("check:\n\nGo.") == "tasks/x/task.md:1: 'check' has no value")
    }

    @Test func missingFoldersAreClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-task-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaskError.self) { try AgentTask.load(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "check: true\n\nGo.".write(toFile: dir + "/task.md", atomically: true, encoding: .utf8)
        do { _ = try AgentTask.load(dir); Issue.record("no workspace should be an error") } catch {
            #expect("\(error)".contains("no workspace/ folder"))
        }
        try FileManager.default.createDirectory(atPath: dir + "/workspace", withIntermediateDirectories: true)
        let t = try AgentTask.load(dir + "/")
        #expect(t.name == URL(fileURLWithPath: dir).lastPathComponent && t.workspace == dir + "/workspace")
    }

    /// Where the agent loop ends a reply (`ChatSession.stopWhen`): once its first action is closed, by its own
    /// tool's closing tag (any alias), never by another tool's.
    @Test func aReplyHoldsAWholeActionOnceItsFirstTagCloses() {
        #expect(!AgentAction.holdsWholeAction("I will read the code first."))
        #expect(!AgentAction.holdsWholeAction("<read>stats.py"))
        #expect(AgentAction.holdsWholeAction("Let me look. <read>stats.py</read>"))
        #expect(AgentAction.holdsWholeAction("<bash>ls</shell>"), "an alias of the same tool closes it")
        #expect(!AgentAction.holdsWholeAction("<write path=\"a.py\">x = 1\n</read>"), "another tool's closing tag does not")
        #expect(AgentAction.holdsWholeAction("<write path=\"a.py\">x = 1\n</write>\n<shell>"))
        // The briefing lists the folder and asks for one action per reply.
        let task = AgentTask(name: "t", directory: "/tmp", goal: "Fix it.\n", check: "true", protected: [], maxSteps: 5, timeout: 10, twin: nil)
        let brief = TaskRunner.briefing(task, files: "a.py (3 bytes)")
        #expect(brief.hasPrefix("Task:\n\nFix it.\n\nThe task folder holds:\na.py (3 bytes)\n\n"))
        #expect(brief.contains("at most 5 actions, one per reply"))
    }

    @Test func actionsAndTheirVariants() {
        func action(_ reply: String) -> AgentAction? { AgentAction.parse(reply).action }
        #expect(action("Let me look.\n<shell>ls -la</shell>") == .shell("ls -la"))
        #expect(action("<BASH>\n```bash\npython3 -B test.py\n```\n</BASH>") == .shell("python3 -B test.py"))
        #expect(action("<run>make</run>") == .shell("make"))
        #expect(action("<cmd>echo a < b</cmd>") == .shell("echo a < b"))
        #expect(action("<read>src/a.py</read>") == .read("src/a.py"))
        #expect(action("<cat>a.py") == .read("a.py"), "no closing tag: to the end")
        #expect(action("<ls></ls>") == .list("."))
        #expect(action("<list>src</list>") == .list("src"))
        #expect(action("<write path=\"a.py\">\nx = 1\n</write>") == .write(path: "a.py", content: "x = 1\n"))
        #expect(action("<write file='b.txt'>hi</write>") == .write(path: "b.txt", content: "hi\n"))
        #expect(action("<write path=c.py>\n```python\nprint(2)\n```\n</write>") == .write(path: "c.py", content: "print(2)\n"))
        #expect(action("<write>notes.md\n# Notes\n</write>") == .write(path: "notes.md", content: "# Notes\n"))
        #expect(action("<done>All tests pass.</done>") == .finish("All tests pass."))
        #expect(action("<finish>ok</finish>") == .finish("ok"))
        // The first action runs; the others are counted so the agent can be told.
        let two = AgentAction.parse("<shell>ls</shell> then <read>a</read> and <finish>x</finish>")
        #expect(two.action == .shell("ls") && two.ignored == 2)
        // An unclosed tag ends where the next one starts.
        #expect(AgentAction.parse("<shell>ls\n<read>a</read>") == AgentAction.Parsed(action: .shell("ls"), ignored: 1))
        // Nothing to do: a helpful problem, no action.
        let none = AgentAction.parse("I think the tests are wrong.")
        #expect(none.action == nil && none.problem?.contains("<shell>COMMAND</shell>") == true)
        #expect(AgentAction.parse("<shell>  </shell>").problem?.contains("no command") == true)
        #expect(AgentAction.parse("<write>\n</write>").problem?.contains("needs a path") == true)
        #expect(AgentAction.parse("<div>html</div>").action == nil, "unknown tags are not actions")
    }
}
