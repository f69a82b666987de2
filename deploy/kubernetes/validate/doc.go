// Package validate checks the Kubernetes manifests in deploy/kubernetes:
// each document decodes strictly into its real API type (an unknown or
// misspelt field fails), and the documents agree with each other (the
// shard count, the names they refer to, the ports Prometheus scrapes).
//
// It is a module of its own so that the trafficgen module does not depend
// on the Kubernetes API: cd deploy/kubernetes/validate && go test ./...
package validate
