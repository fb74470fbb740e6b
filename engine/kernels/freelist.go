package kernels

import "sync"

// freeList keeps the scratch values of the kernels (the products'
// workspaces, the depthwise and Winograd buffers) for reuse. It is a free
// list rather than a sync.Pool so that a warm engine never allocates (a
// Pool is emptied by every garbage collection); it holds at most one value
// per goroutine that has used one concurrently.
type freeList[T any] struct {
	mu   sync.Mutex
	free []*T
	make func() *T // a new value when the list is empty (nil: new(T))
}

// get returns a value from the list, or a new one.
func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		v := l.free[n-1]
		l.free = l.free[:n-1]
		return v
	}
	if l.make != nil {
		return l.make()
	}
	return new(T)
}

// put returns v to the list.
func (l *freeList[T]) put(v *T) {
	l.mu.Lock()
	l.free = append(l.free, v)
	l.mu.Unlock()
}
