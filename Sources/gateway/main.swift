// The gateway executable: all behaviour lives in GatewayApp.
#if canImport(Glibc)
import Glibc
#endif
import GatewayApp

GatewayCommand.blockSignals()
var environment: [String: String] = [:]
var envp = environ
while let entry = envp.pointee {
    let s = String(cString: entry)
    if let eq = s.firstIndex(of: "=") { environment[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
    envp += 1
}
GatewayCommand.main(GatewayCommand.argumentsWithEnvironment(environment: environment))
