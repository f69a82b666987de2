package loadgen

// DefaultMaxRedirects is how many redirects a request follows unless
// Config.MaxRedirects says otherwise; NoRedirects follows none.
const (
	DefaultMaxRedirects = 10
	NoRedirects         = -1
)
