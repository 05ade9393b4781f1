import ArgumentParser
import Foundation
import Wasim
#if canImport(Glibc)
import Glibc
#endif

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Copy this wasim and its data to a prefix: PREFIX/bin/wasim, PREFIX/share/wasim/{Gazetteers,Models}.",
        discussion: """
            The installed wasim finds its data in PREFIX/share/wasim by itself, from any
            working folder. Run it from the checkout, so that the data is found:
              swift run -c release wasim install --prefix ~/.local
            then put PREFIX/bin on your PATH. Installing again replaces the binary and the
            data (a folder's old files are removed first, so no stale list stays behind).
            """
    )

    @Option(help: ArgumentHelp("Where to install.", valueName: "dir"))
    var prefix: String

    @Option(help: ArgumentHelp("Install the data from this folder (default: the data this wasim uses).", valueName: "dir"))
    var data: String?

    func run() throws {
        let fm = FileManager.default
        let source = try DefaultPipeline.dataDirectory(data)
        let prefixURL = URL(fileURLWithPath: (prefix as NSString).expandingTildeInPath).standardizedFileURL
        let bin = prefixURL.appendingPathComponent("bin")
        let share = prefixURL.appendingPathComponent("share/wasim")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        try fm.createDirectory(at: share, withIntermediateDirectories: true)

        // Copied under a temporary name and renamed, so that a running wasim at the same place
        // keeps its file and a failed copy leaves the old one.
        let exe = URL(fileURLWithPath: try fm.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let target = bin.appendingPathComponent("wasim")
        let temporary = bin.appendingPathComponent(".wasim.install-tmp")
        try? fm.removeItem(at: temporary)
        try fm.copyItem(at: exe, to: temporary)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary.path)
        // rename(2) replaces the file atomically, even while it runs.
        if rename(temporary.path, target.path) != 0 {
            let e = errno
            try? fm.removeItem(at: temporary)
            throw ValidationError("cannot install \(target.path): \(String(cString: strerror(e)))")
        }

        let sourceURL = URL(fileURLWithPath: source).standardizedFileURL
        if sourceURL.path != share.path {
            for folder in ["Gazetteers", "Models"] {
                let to = share.appendingPathComponent(folder)
                try? fm.removeItem(at: to)
                try fm.copyItem(at: sourceURL.appendingPathComponent(folder), to: to)
            }
        }
        print("installed \(target.path)")
        print("data      \(share.path) (from \(sourceURL.path))")
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        if !path.split(separator: ":").contains(where: { URL(fileURLWithPath: String($0)).standardizedFileURL.path == bin.path }) {
            print("add it to your PATH: export PATH=\"\(bin.path):$PATH\"")
        }
    }
}
