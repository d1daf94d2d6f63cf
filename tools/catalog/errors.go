package catalog

import (
	"errors"
	"fmt"
)

// Error is a failure the caller can fix or must know about: it becomes an
// isError tool result whose text is Msg. Tools return it for bad arguments,
// unknown processes, features the running ergo lacks and the like.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Errorf formats an Error.
func Errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// asError keeps an *Error as is and wraps anything else.
func asError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Msg: err.Error()}
}

func asAs[T error](err error, target *T) bool { return errors.As(err, target) }

// Bound fills a count-like argument's default or checks its range: 0
// means def, 1..max is taken as is, anything else is an error that names
// the argument, its range and default (never clamped: a caller that asked
// for more should learn it cannot have it).
func Bound(v *int, name string, def, max int) error {
	switch {
	case *v == 0:
		*v = def
	case *v < 0 || *v > max:
		return Errorf("%s must be 1..%d (default %d), got %d", name, max, def, *v)
	}
	return nil
}
