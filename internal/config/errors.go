package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Path is a dotted config path such as routes[2].match.path.
type Path string

// Field returns the path of a named field below p.
func (p Path) Field(name string) Path {
	if p == "" {
		return Path(name)
	}
	return p + "." + Path(name)
}

// Index returns the path of the i-th element of the list at p.
func (p Path) Index(i int) Path { return p + "[" + Path(strconv.Itoa(i)) + "]" }

// FieldError is one problem in a config, located by path and, when known,
// by line and column in the file.
type FieldError struct {
	Path Path
	Line int
	Col  int
	Msg  string
}

// Error renders "path: reason" (no file position).
func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return string(e.Path) + ": " + e.Msg
}

// Format renders "FILE:LINE:COL: path: reason", the form validate prints.
func (e FieldError) Format(file string) string {
	if e.Line == 0 {
		return file + ": " + e.Error()
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Col, e.Error())
}

// Errorf builds a FieldError at path.
func Errorf(at Path, format string, args ...any) FieldError {
	return FieldError{Path: at, Msg: fmt.Sprintf(format, args...)}
}

// Errors is every problem found in one config file.
type Errors struct {
	File string
	List []FieldError
}

func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, fe := range e.List {
		lines[i] = fe.Format(e.File)
	}
	return strings.Join(lines, "\n")
}

// Duration is a time.Duration written as a Go duration string ("1.5s",
// "250ms", "2m"). A bare number is an error, never a silent unit.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }
