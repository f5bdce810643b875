// The gateway executable: the built-in `examples` service behind every flag of `gateway serve`.
import GatewayApp

GatewayCommand.main(setup: .examples)
