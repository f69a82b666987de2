package transport

import "iter"

// Header is an ordered list of header fields in one reusable buffer:
// filling a Header that was Reset allocates nothing once its buffer has
// grown to its working size. Names compare without regard to ASCII case.
type Header struct {
	buf    []byte
	fields []fieldSpan
}

// fieldSpan locates a field in Header.buf: its name runs from the end of
// the field before it to nameEnd, its value from nameEnd to end.
type fieldSpan struct{ nameEnd, end int }

// Reset empties h, keeping its buffers.
func (h *Header) Reset() {
	h.buf = h.buf[:0]
	h.fields = h.fields[:0]
}

// Add appends a field.
func (h *Header) Add(name string, value []byte) {
	h.buf = append(h.buf, name...)
	n := len(h.buf)
	h.buf = append(h.buf, value...)
	h.fields = append(h.fields, fieldSpan{n, len(h.buf)})
}

// AddString appends a field.
func (h *Header) AddString(name, value string) {
	h.buf = append(h.buf, name...)
	n := len(h.buf)
	h.buf = append(h.buf, value...)
	h.fields = append(h.fields, fieldSpan{n, len(h.buf)})
}

// Len is the number of fields.
func (h *Header) Len() int { return len(h.fields) }

// Field returns field i's name and value, valid until h changes.
func (h *Header) Field(i int) (name, value []byte) {
	start := 0
	if i > 0 {
		start = h.fields[i-1].end
	}
	f := h.fields[i]
	return h.buf[start:f.nameEnd:f.nameEnd], h.buf[f.nameEnd:f.end:f.end]
}

// All yields the fields in order.
func (h *Header) All() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		for i := range h.fields {
			if !yield(h.Field(i)) {
				return
			}
		}
	}
}

// Get returns the first value of the fields named name.
func (h *Header) Get(name string) ([]byte, bool) {
	for i := range h.fields {
		if n, v := h.Field(i); equalFold(n, name) {
			return v, true
		}
	}
	return nil, false
}

// Values returns the values of the fields named name, in order.
func (h *Header) Values(name string) []string {
	var vs []string
	for n, v := range h.All() {
		if equalFold(n, name) {
			vs = append(vs, string(v))
		}
	}
	return vs
}

// Del removes the fields named name.
func (h *Header) Del(name string) {
	w, start := 0, 0 // w: where the next kept field goes in buf
	kept := h.fields[:0]
	for _, f := range h.fields {
		if !equalFold(h.buf[start:f.nameEnd], name) {
			n := copy(h.buf[w:], h.buf[start:f.end])
			kept = append(kept, fieldSpan{w + f.nameEnd - start, w + n})
			w += n
		}
		start = f.end
	}
	h.fields, h.buf = kept, h.buf[:w]
}

// copyFrom makes h a copy of src.
func (h *Header) copyFrom(src *Header) {
	h.buf = append(h.buf[:0], src.buf...)
	h.fields = append(h.fields[:0], src.fields...)
}

// equalFold says whether b and s are equal without regard to ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}
