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
