package stats

// ErrorKind classifies a failed request. A request succeeds when it got an
// HTTP status from 200 to 399; anything else is an error of one kind.
type ErrorKind uint8

// The kinds of failure. KindNone marks a success.
const (
	KindNone ErrorKind = iota
	// Transport failures: no HTTP status was received.
	KindTimeout
	KindRefused
	KindReset
	KindDNS
	KindTLS
	KindOther
	// HTTP failures: a status outside 200–399 was received.
	KindStatus4xx
	KindRateLimited // 429, counted apart from other 4xx
	KindStatus5xx
	KindStatusOther // 1xx or a status outside 100–599
	// KindCapture marks a journey step whose response lacked what the next
	// step needs (invalid JSON, missing field). The HTTP exchange succeeded.
	KindCapture
	// KindRedirect marks a request the client gave up on after too many
	// redirects (a redirect loop). It comes after the others so that their
	// values stay the same; reports name kinds, not numbers.
	KindRedirect
	// KindMalformed marks an answer that was not HTTP as the client
	// reads it (a bad chunk size, two Content-Lengths that differ,
	// another protocol's bytes).
	KindMalformed
	// KindHeaderTooLarge marks an answer whose status lines and fields
	// passed the client's bound (1 MiB, interim answers included).
	KindHeaderTooLarge
	// KindCheck marks an answer that failed one of its response checks
	// (a wrong field, a missing header): the HTTP exchange succeeded, the
	// answer was wrong.
	KindCheck
	numKinds
)

var kindNames = [numKinds]string{
	KindNone:           "ok",
	KindTimeout:        "timeout",
	KindRefused:        "connection refused",
	KindReset:          "connection reset",
	KindDNS:            "dns",
	KindTLS:            "tls",
	KindOther:          "other",
	KindStatus4xx:      "http 4xx",
	KindRateLimited:    "rate limited (429)",
	KindStatus5xx:      "http 5xx",
	KindStatusOther:    "http other",
	KindCapture:        "bad response",
	KindRedirect:       "too many redirects",
	KindMalformed:      "malformed response",
	KindHeaderTooLarge: "header too large",
	KindCheck:          "check failed",
}

// String names the kind for people.
func (k ErrorKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// KindForStatus returns the kind of an HTTP status: KindNone for 200–399.
func KindForStatus(code int) ErrorKind {
	switch {
	case code >= 200 && code < 400:
		return KindNone
	case code == 429:
		return KindRateLimited
	case code >= 400 && code < 500:
		return KindStatus4xx
	case code >= 500 && code < 600:
		return KindStatus5xx
	default:
		return KindStatusOther
	}
}
