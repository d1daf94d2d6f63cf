package catalog

import (
	"errors"
	"fmt"
)

// Error is a failure the caller can fix or must know about: it becomes an
// isError tool result whose text is Error(). Tools return it for bad
// arguments, unknown processes, features the running ergo lacks and the
// like.
type Error struct {
	// Msg is the text; with Err set and Msg empty, Err's text is.
	Msg string
	// Err is the cause, reachable with errors.Is and errors.As. Errorf
	// keeps a %w operand here; Wrap keeps an error of the layer below.
	Err error
}

// Error is the text the caller reads: the chain once, never repeated.
func (e *Error) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf formats an Error; a %w operand stays reachable as its cause.
func Errorf(format string, args ...any) error {
	w := fmt.Errorf(format, args...)
	return &Error{Msg: w.Error(), Err: errors.Unwrap(w)}
}

// Wrap marks err as a failure the caller reads, its text as is and its
// chain kept (errors.Is still finds the cause); nil stays nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}

// asError keeps an *Error as is and wraps anything else, the context
// around an inner *Error included.
func asError(err error) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return Wrap(err)
}

func asAs[T error](err error, target *T) bool { return errors.As(err, target) }
