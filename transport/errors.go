package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
)

// Failure says why a Send got no (whole) answer.
type Failure uint8

// The failures.
const (
	FailOther          Failure = iota
	FailTimeout                // the deadline passed
	FailCanceled               // the context was cancelled
	FailRefused                // the connection was refused
	FailReset                  // the connection was reset or closed under the request
	FailDNS                    // the host name did not resolve
	FailTLS                    // the TLS handshake or certificate failed
	FailMalformed              // the answer was not valid HTTP
	FailRedirects              // more redirects than the client follows
	FailHeaderTooLarge         // the answer's header section passed the client's bound
)

var failureNames = [...]string{
	FailOther:          "other",
	FailTimeout:        "timeout",
	FailCanceled:       "canceled",
	FailRefused:        "connection refused",
	FailReset:          "connection reset",
	FailDNS:            "dns",
	FailTLS:            "tls",
	FailMalformed:      "malformed response",
	FailRedirects:      "too many redirects",
	FailHeaderTooLarge: "header too large",
}

func (f Failure) String() string {
	if int(f) < len(failureNames) {
		return failureNames[f]
	}
	return "unknown"
}

// Error is what Send returns: the failure, and the error that says what
// went wrong.
type Error struct {
	Failure Failure
	Err     error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// FailureOf returns err's Failure: its own when it is an *Error;
// FailOther for nil, which is no failure it could name.
func FailureOf(err error) Failure {
	if err == nil {
		return FailOther
	}
	var te *Error
	if errors.As(err, &te) {
		return te.Failure
	}
	return classify(err)
}

// ErrUnsent marks a Send that failed before its request reached a
// connection: its deadline passed before it tried to connect. The server
// saw nothing of it, so a caller counting what it sent does not count it.
// Its Failure is FailTimeout.
var ErrUnsent = errors.New("not sent: its deadline passed before a connection was tried")

// asError returns err as an *Error, classified.
func asError(err error) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	return &Error{Failure: classify(err), Err: err}
}

// errBadResponse marks an answer that is not HTTP/1.x as H1 reads it.
var errBadResponse = errors.New("malformed response")

func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadResponse, fmt.Sprintf(format, args...))
}

// errHeaderTooLarge marks an answer whose status lines and fields,
// interim answers included, passed maxHeaderBytes, or one of whose lines
// passed maxFieldBytes.
var errHeaderTooLarge = errors.New("header too large")

func headerTooLarge(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errHeaderTooLarge, fmt.Sprintf(format, args...))
}

// A server that speaks the other protocol than the URL's scheme says.
var (
	errTLSAnswer   = errors.New("the server answered a plain HTTP request in TLS: the port wants https://")
	errPlainAnswer = errors.New("the server answered the TLS handshake in plain HTTP: the port wants http://")
)

// closedEarly says what io.EOF and io.ErrUnexpectedEOF mean when the
// answer needed more: the server closed the connection.
func closedEarly(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("the server closed the connection without answering (%w)", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the server closed the connection in the middle of its answer (%w)", err)
	}
	return err
}

// errTooManyRedirects fails a Send after the redirects it follows.
type errTooManyRedirects int

func (n errTooManyRedirects) Error() string { return fmt.Sprintf("stopped after %d redirects", int(n)) }

// classify names the failure an error from a socket, a dialler, TLS,
// net/http or this package stands for.
func classify(err error) Failure {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		netErr  net.Error
		redir   errTooManyRedirects
	)
	switch {
	case errors.As(err, &redir):
		return FailRedirects
	case errors.Is(err, errBadResponse):
		return FailMalformed
	case errors.Is(err, errHeaderTooLarge):
		return FailHeaderTooLarge
	case errors.Is(err, errTLSAnswer), errors.Is(err, errPlainAnswer):
		return FailTLS
	case errors.Is(err, context.Canceled):
		return FailCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return FailTimeout
	case errors.As(err, &dnsErr):
		return FailDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return FailRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return FailReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alert),
		errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invErr):
		return FailTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return FailTimeout
	}
	return classifyText(err.Error())
}

// What net/http says, in words only, of an answer it cannot read or a
// TLS failure it does not wrap.
var (
	netHTTPTooLarge  = []string{"response headers exceeded"}
	netHTTPTLS       = []string{"tls:", "HTTP response to HTTPS client"}
	netHTTPMalformed = []string{
		"malformed HTTP", "malformed MIME header", "chunked encoding", "chunked line", "chunk length",
		"header line too long", "Content-Length", "transfer encoding", "trailer", "Trailer", "invalid response code",
	}
)

// classifyText names the failure net/http's message stands for, where
// it wraps no error of a type to look at.
func classifyText(msg string) Failure {
	has := func(words []string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(msg, w) })
	}
	switch {
	case has(netHTTPTooLarge):
		return FailHeaderTooLarge
	case has(netHTTPTLS):
		return FailTLS
	case has(netHTTPMalformed):
		return FailMalformed
	}
	return FailOther
}
