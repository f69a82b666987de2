package scenario

import _ "embed"

//go:embed gateway.yaml
var gatewaySource []byte

// DefaultFilename is the name errors and `scenario show` give the built-in scenario.
const DefaultFilename = "gateway.yaml"

// Default compiles the built-in gateway scenario: the eleven endpoints of the
// users, orders and payments services behind one gateway, and the
// get-or-create user → order → payment journey. {{env API_KEY}} is resolved
// through opts.Getenv.
func Default(opts Options) (*Scenario, error) {
	return Load(DefaultFilename, gatewaySource, opts)
}

// DefaultSource returns the built-in scenario's YAML text (a copy).
func DefaultSource() []byte {
	return append([]byte(nil), gatewaySource...)
}
