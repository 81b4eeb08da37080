import Agent
import Foundation
import LimbicCLI
import ModelStore

/// `limbic resume ID`: an agent run goes on from its last complete step (after a pause, a kill or a crash).
enum ResumeCommand: Command {
    static let name = "resume"
    static let abstract = "Go on with an agent run (limbic run) from its last complete step, after a pause or a kill."
    static let usage = "ID | RUN_FOLDER"
    static let discussion = """
    ID is a run folder's name in $LIMBIC_HOME/runs (a paused run prints it), or the folder's path. The run starts \
    again with the command line it was started with (model, policies, options, in the folder it ran in): the \
    workspace is put back as it was after the last complete step, and the logged steps are taken through the \
    model again as they were written, so the conversation, the monitor's history and the policies' state are as \
    they were; the tools are not run again. A step in flight when the run stopped is taken again. The resumed part \
    is logged beside the first log (…-resumed-1.jsonl), from the start, with a resume event. Exit codes as limbic run.
    """
    static let options: [OptionSpec] = []
    static let examples = ["limbic resume 20261201-101500-1234", "limbic resume ~/.cache/limbic/runs/20261201-101500-1234"]

    static func validate(_ args: ParsedArguments) throws {
        guard args.positionals.count == 1 else { throw UsageError("give one run: its ID (a folder in $LIMBIC_HOME/runs) or its path") }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let given = args.positionals[0]
        let run = given.contains("/") ? given : ModelStore().home + "/runs/" + given
        let record = try RunRecord.read(run: run)
        guard FileManager.default.changeCurrentDirectoryPath(record.directory) else {
            throw UsageError("the run was started in \(record.directory), which is gone: resume needs its relative paths")
        }
        let parsed = try ParsedArguments(command: RunCommand.self, arguments: record.arguments)
        try RunCommand.validate(parsed)
        guard parsed.string("repeat") == nil else { throw UsageError("\(given) was a study (--repeat): run it again instead") }
        return try RunCommand.run(parsed, arguments: record.arguments, resume: (run, record))
    }
}
