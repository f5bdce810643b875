// Which failures the SDK retries: only where a second attempt cannot run a call twice.
import Testing

@testable import JSONRPCClient

struct RetryPolicyTests {
    @Test func connection_refused_is_always_retried() {
        #expect(JSONRPCClient.isRetryable(curlCode: 7, requestSent: false, idempotent: false))
    }

    @Test func a_connection_lost_before_the_request_went_out_is_retried() {
        for code in [52, 55, 56] {
            #expect(JSONRPCClient.isRetryable(curlCode: code, requestSent: false, idempotent: false))
        }
    }

    @Test func a_connection_lost_mid_call_is_retried_only_when_idempotent() {
        for code in [52, 55, 56] {
            #expect(!JSONRPCClient.isRetryable(curlCode: code, requestSent: true, idempotent: false))
            #expect(JSONRPCClient.isRetryable(curlCode: code, requestSent: true, idempotent: true))
        }
    }

    @Test func timeouts_and_other_failures_are_not_retried() {
        for code in [6, 28, 35, 42] {
            #expect(!JSONRPCClient.isRetryable(curlCode: code, requestSent: false, idempotent: true))
        }
    }

    @Test func shutting_down_answers_are_recognised() {
        #expect(
            JSONRPCClient.isShuttingDownAnswer(
                Array(#"{"jsonrpc":"2.0","error":{"code":-32002,"message":"x"},"id":1}"#.utf8)))
        #expect(
            JSONRPCClient.isShuttingDownAnswer(
                Array(#"[{"jsonrpc":"2.0","error":{"code":-32002,"message":"x"},"id":1}]"#.utf8)))
        #expect(
            !JSONRPCClient.isShuttingDownAnswer(
                Array(
                    #"[{"jsonrpc":"2.0","error":{"code":-32002,"message":"x"},"id":1},{"jsonrpc":"2.0","result":1,"id":2}]"#
                        .utf8)))
        #expect(
            !JSONRPCClient.isShuttingDownAnswer(
                Array(#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"x"},"id":1}"#.utf8)))
        // A handler that had started may have had effects: sent again only when the call is idempotent.
        let started = Array(
            #"{"jsonrpc":"2.0","error":{"code":-32002,"message":"x","data":{"started":true,"retryable":false}},"id":1}"#
                .utf8)
        #expect(!JSONRPCClient.isShuttingDownAnswer(started))
        #expect(JSONRPCClient.isShuttingDownAnswer(started, idempotent: true))
        let notStarted = Array(
            #"{"jsonrpc":"2.0","error":{"code":-32002,"message":"x","data":{"started":false,"retryable":true}},"id":1}"#
                .utf8)
        #expect(JSONRPCClient.isShuttingDownAnswer(notStarted))
    }
}
