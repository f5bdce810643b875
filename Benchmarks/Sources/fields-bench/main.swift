// What header fields cost per request: our HTTP1.HeaderFields beside swift-http-types' HTTPFields, doing the work
// the gateway does with a request's fields — build them from the parsed names and values, then the lookups of
// the parser (Host, Content-Length, Transfer-Encoding, Connection, Expect) and of the JSON-RPC responder
// (Content-Type, RPC-Timeout counted and read).
//
//   fields-bench ours|types N     runs N requests' worth; measure it under callgrind (see run-fields.sh)
import HTTP1
import HTTPTypes

/// The fields wrk sends with a JSON-RPC call, and two a browser-ish client adds.
let request: [(String, String)] = [
    ("Host", "127.0.0.1:8080"), ("Content-Type", "application/json"), ("Content-Length", "62"),
    ("User-Agent", "bench/1.0"), ("Accept", "*/*"),
]

@inline(never)
func ours(_ n: Int) -> Int {
    var sink = 0
    for _ in 0..<n {
        var f = HTTP1.HeaderFields()
        for (name, value) in request { f.append(name: name, value: value) }
        sink &+= f["host"]?.utf8.count ?? 0
        sink &+= f["content-length"]?.utf8.count ?? 0
        sink &+= f["transfer-encoding"] == nil ? 1 : 0
        sink &+= f["connection"] == nil ? 1 : 0
        sink &+= f["expect"] == nil ? 1 : 0
        sink &+= f["content-type"]?.utf8.count ?? 0
        sink &+= f.count("rpc-timeout")
        sink &+= f["rpc-timeout"] == nil ? 1 : 0
    }
    return sink
}

let rpcTimeout = HTTPField.Name("RPC-Timeout")!
/// swift-http-types keeps Host as `HTTPRequest.authority`; as a field it is looked up by its name.
let hostName = HTTPField.Name("Host")!

@inline(never)
func types(_ n: Int) -> Int {
    var sink = 0
    for _ in 0..<n {
        var f = HTTPTypes.HTTPFields()
        // A server receives names as strings: each must be validated into an HTTPField.Name.
        for (name, value) in request {
            guard let name = HTTPField.Name(name) else { continue }
            f.append(HTTPField(name: name, value: value))
        }
        sink &+= f[hostName]?.utf8.count ?? 0
        sink &+= f[.contentLength]?.utf8.count ?? 0
        sink &+= f[.transferEncoding] == nil ? 1 : 0
        sink &+= f[.connection] == nil ? 1 : 0
        sink &+= f[.expect] == nil ? 1 : 0
        sink &+= f[.contentType]?.utf8.count ?? 0
        sink &+= f[values: rpcTimeout].count
        sink &+= f[rpcTimeout] == nil ? 1 : 0
    }
    return sink
}

let args = CommandLine.arguments
let n = args.count > 2 ? Int(args[2]) ?? 0 : 0
switch args.count > 1 ? args[1] : "" {
case "ours": print(ours(n))
case "types": print(types(n))
default: print("usage: fields-bench ours|types N")
}
