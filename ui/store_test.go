package ui

import (
	"sort"
	"strings"
)

// memStore is a Store in memory; full makes every Set fail as a browser
// with a used-up quota does.
type memStore struct {
	m    map[string]string
	full bool
}

func newMemStore() *memStore { return &memStore{m: map[string]string{}} }

func (s *memStore) Get(key string) (string, bool) { v, ok := s.m[key]; return v, ok }

func (s *memStore) Set(key, val string) error {
	if s.full {
		return errStorageFull
	}
	s.m[key] = val
	return nil
}

func (s *memStore) Remove(key string) { delete(s.m, key) }

func (s *memStore) Keys(prefix string) []string {
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var _ Store = (*memStore)(nil)
