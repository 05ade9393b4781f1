// `wasim install --prefix DIR`, and the installed wasim used from another folder.
import Foundation
import Testing
import WasimTestSupport

@Suite struct InstallTests {
    @Test func installedWasimWorksFromAnyFolder() throws {
        let prefix = try CLI.temporaryDirectory("prefix")
        let elsewhere = try CLI.temporaryDirectory("elsewhere")
        defer {
            try? FileManager.default.removeItem(atPath: prefix)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        let install = try CLI.run(["install", "--prefix", prefix], in: CLI.checkout, environment: CLI.cleanEnvironment)
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.hasPrefix("installed \(prefix)/bin/wasim\ndata      \(prefix)/share/wasim (from \(CLI.checkout))\n"))

        let fm = FileManager.default
        #expect(fm.isExecutableFile(atPath: prefix + "/bin/wasim"))
        for folder in ["Gazetteers", "Models/rules"] {
            let shipped = try fm.contentsOfDirectory(atPath: CLI.checkout + "/" + folder).sorted()
            #expect(try fm.contentsOfDirectory(atPath: prefix + "/share/wasim/" + folder).sorted() == shipped)
        }

        let wasim = prefix + "/bin/wasim"
        let version = try runProcess(wasim, ["--version"], in: elsewhere, environment: CLI.cleanEnvironment)
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("wasim 0."))
        #expect(version.stdout.hasSuffix("\ndata: \(prefix)/share/wasim\n"))

        let tagged = try runProcess(wasim, ["tag", "--quiet", "-"], stdin: "زار الوفد القاهرة", in: elsewhere,
                                 environment: CLI.cleanEnvironment)
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(tagged.stdout.hasPrefix("{\"path\": \"-\", \"entities\": [{\"type\": \"LOC\", \"start\": 10, \"end\": 17, \"text\": \"القاهرة\""))

        // Installing again over a running install replaces it in place.
        let again = try runProcess(wasim, ["install", "--prefix", prefix], in: elsewhere, environment: CLI.cleanEnvironment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("installed \(prefix)/bin/wasim\n"))
    }

    @Test func versionNamesTheDataFolderOrWhyThereIsNone() throws {
        var env = CLI.cleanEnvironment
        env["WASIM_DATA"] = "/nonexistent"
        let r = try CLI.run(["--version"], environment: env)
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("\ndata: not found (WASIM_DATA=/nonexistent: no Gazetteers/ and Models/ folders there)\n"))
    }
}
