// Package newest holds the rule every snapshot stream follows: a channel
// of one slot, where a newer value replaces one the reader has not taken,
// so that a slow reader skips values and never holds the sender up.
package newest

// Offer puts v in ch, a channel of one slot with one sender, replacing an
// unread value. It never blocks.
func Offer[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch: // drop the stale one
		default:
		}
	}
}
