package main

import (
	"crypto/tls"
	"crypto/x509"
	"strings"

	"github.com/alecthomas/kong"
)

// maxPEMFile is the largest certificate or key file read: a CA bundle is
// a few hundred kilobytes.
const maxPEMFile = 4 << 20

// tlsConfig builds the TLS configuration of -k, --cacert and --cert/--key,
// or nil (verify against the system's roots) when none is given. An
// unreadable or invalid file is a usage error naming the option.
func (r *runCmd) tlsConfig(src sources) (*tls.Config, error) {
	if !r.Insecure && r.CACert == "" && r.Cert == "" && r.Key == "" {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: r.Insecure}
	if r.CACert != "" {
		pem, err := readBounded(kong.ExpandPath(r.CACert), maxPEMFile)
		if err != nil {
			return nil, usagef("%s: %v", src.label("cacert"), err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("%s: no PEM certificate in %s", src.label("cacert"), r.CACert)
		}
		cfg.RootCAs = pool
	}
	switch {
	case r.Key != "" && r.Cert == "":
		return nil, usagef("%s: a key needs its certificate: give %s too", src.label("key"), src.label("cert"))
	case r.Cert != "":
		pair, err := r.clientCert(src)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// clientCert loads --cert and its key, from --key or from the same file.
func (r *runCmd) clientCert(src sources) (tls.Certificate, error) {
	certPEM, err := readBounded(kong.ExpandPath(r.Cert), maxPEMFile)
	if err != nil {
		return tls.Certificate{}, usagef("%s: %v", src.label("cert"), err)
	}
	keyPEM, keyLabel := certPEM, src.label("cert")
	if r.Key != "" {
		keyLabel = src.label("key")
		if keyPEM, err = readBounded(kong.ExpandPath(r.Key), maxPEMFile); err != nil {
			return tls.Certificate{}, usagef("%s: %v", keyLabel, err)
		}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		label := src.label("cert")
		if strings.Contains(err.Error(), "key") {
			label = keyLabel
		}
		return tls.Certificate{}, usagef("%s: %v", label, err)
	}
	return pair, nil
}
