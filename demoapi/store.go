package demoapi

import "sync"

// store keeps the newest max records of one entity, keyed by sequential ids
// starting at 1.
//
// Because ids are handed out in order, the live window is always the last max
// ids issued, and record id lives in slot (id-1) % max: inserting id n simply
// overwrites, and so evicts, id n-max. There is no map and no per-record
// allocation, and memory stays at max slots however many records are created.
// A deleted record leaves its slot empty until its id's turn comes round
// again, so a store holds at most max records, fewer after deletes.
type store[T any] struct {
	mu    sync.RWMutex
	max   int
	next  int64 // the id the next insert gets
	live  int
	slots []slot[T]
}

type slot[T any] struct {
	id int64
	ok bool
	v  T
}

func newStore[T any](max int, seeds ...T) *store[T] {
	s := &store[T]{max: max, next: 1, slots: make([]slot[T], 0, min(max, 1024))}
	for _, v := range seeds {
		s.insert(v)
	}
	return s
}

func (s *store[T]) index(id int64) int { return int((id - 1) % int64(s.max)) }

// insert stores v under a new id, evicting the oldest record when full.
func (s *store[T]) insert(v T) int64 {
	s.mu.Lock()
	id := s.next
	s.next++
	i := s.index(id)
	if i == len(s.slots) {
		s.slots = append(s.slots, slot[T]{})
	}
	sl := &s.slots[i]
	if sl.ok {
		s.live--
	}
	*sl = slot[T]{id: id, ok: true, v: v}
	s.live++
	s.mu.Unlock()
	return id
}

// find returns the slot of a live record; call with s.mu held.
func (s *store[T]) find(id int64) *slot[T] {
	if id < 1 || id >= s.next {
		return nil
	}
	i := s.index(id)
	if i >= len(s.slots) {
		return nil
	}
	sl := &s.slots[i]
	if !sl.ok || sl.id != id {
		return nil
	}
	return sl
}

// get returns a copy of record id.
func (s *store[T]) get(id int64) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sl := s.find(id); sl != nil {
		return sl.v, true
	}
	var zero T
	return zero, false
}

// update replaces record id, reporting whether it exists.
func (s *store[T]) update(id int64, v T) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.find(id)
	if sl == nil {
		return false
	}
	sl.v = v
	return true
}

// remove deletes record id, reporting whether it existed.
func (s *store[T]) remove(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.find(id)
	if sl == nil {
		return false
	}
	var zero T
	sl.ok, sl.v = false, zero
	s.live--
	return true
}

// newest appends copies of up to n of the newest records to dst, in
// ascending id order.
func (s *store[T]) newest(dst []slot[T], n int) []slot[T] {
	start := len(dst)
	s.mu.RLock()
	oldest := max(1, s.next-int64(s.max))
	for id := s.next - 1; id >= oldest && len(dst)-start < n; id-- {
		if sl := s.find(id); sl != nil {
			dst = append(dst, *sl)
		}
	}
	s.mu.RUnlock()
	got := dst[start:]
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	return dst
}

// len returns the number of records held.
func (s *store[T]) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.live
}
