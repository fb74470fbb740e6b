package host

import (
	"fmt"
	"runtime/debug"
)

// Guard runs f and turns a panic inside it into an error, so that the
// worker answers the request that caused it with a message instead of the
// whole engine stopping (issue #10). The error names the panic's value;
// the stack goes to stack, when it is not nil, for the browser's console.
func Guard(f func() error, stack func(string)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if stack != nil {
				stack(string(debug.Stack()))
			}
			err = fmt.Errorf("internal error in the engine (%v); it goes on running, but please report what you did", r)
		}
	}()
	return f()
}
