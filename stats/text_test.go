package stats

import (
	"testing"
	"time"
)

// TestDur: three significant figures, the unit changing where a fourth
// digit would be needed, and a dash for no data.
func TestDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "-"}, {-time.Second, "-"}, {300 * time.Nanosecond, "1µs"},
		{850 * time.Microsecond, "850µs"}, {999*time.Microsecond + 400*time.Nanosecond, "999µs"},
		{999*time.Microsecond + 600*time.Nanosecond, "1.00ms"}, {4250 * time.Microsecond, "4.25ms"},
		{9996 * time.Microsecond, "10.0ms"}, {42500 * time.Microsecond, "42.5ms"},
		{99960 * time.Microsecond, "100ms"}, {425 * time.Millisecond, "425ms"},
		{999600 * time.Microsecond, "1.00s"}, {1240 * time.Millisecond, "1.24s"},
		{12400 * time.Millisecond, "12.4s"}, {99960 * time.Millisecond, "100s"}, {120 * time.Second, "120s"},
	} {
		if got := Dur(c.d); got != c.want {
			t.Errorf("Dur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
