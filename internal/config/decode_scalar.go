package config

import (
	"encoding"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// isNull reports whether n is YAML null: "~", "null" or nothing at all.
// A quoted "null" is a string, and so is a value produced by ${ENV}
// substitution (the tag is resolved before substitution happens).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of n for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		if t := n.Alias; t != nil && t.Kind != yaml.AliasNode {
			return describe(t)
		}
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	}
	return "a string"
}

// scalar decodes n into a string, bool, integer or float.
func (d *decoder) scalar(n *yaml.Node, at Path, v reflect.Value) {
	kind := v.Kind()
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "a boolean", reflect.Float32: "a number", reflect.Float64: "a number"}[kind]
	if want == "" {
		want = "an integer"
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, at, "expected %s, got %s", want, describe(n))
		return
	}
	s := n.Value
	switch kind {
	case reflect.String:
		// Any scalar reads as its text: "version: 1.0" is the string "1.0".
		v.SetString(s)
	case reflect.Bool:
		b, ok := parseBool(s)
		if !ok {
			d.fail(n, at, "expected a boolean (true or false), got %q", s)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := parseInt(s, v.Type().Bits())
		if err != nil {
			d.intError(n, at, s, err)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if strings.HasPrefix(s, "-") {
			d.fail(n, at, "expected a non-negative integer, got %q", s)
			return
		}
		u, err := parseUint(s, v.Type().Bits())
		if err != nil {
			d.intError(n, at, s, err)
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, ok := parseFloat(s, v.Type().Bits())
		if !ok {
			d.fail(n, at, "expected a number, got %q", s)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, at, "internal error: cannot decode into %s", v.Type())
	}
}

func (d *decoder) intError(n *yaml.Node, at Path, s string, err error) {
	if errors.Is(err, strconv.ErrRange) {
		d.fail(n, at, "integer %s is out of range", s)
		return
	}
	d.fail(n, at, "expected an integer, got %q", s)
}

// parseBool accepts only YAML 1.2's spellings: yes/no/on/off are the
// strings they look like, never a silent boolean.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// splitBase separates an optional sign and 0x/0o/0b prefix from s. Plain
// digits are always decimal: "010" is ten, not eight.
func splitBase(s string) (sign, digits string, base int) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			return sign, s[2:], 16
		case 'o', 'O':
			return sign, s[2:], 8
		case 'b', 'B':
			return sign, s[2:], 2
		}
	}
	return sign, s, 10
}

func parseInt(s string, bits int) (int64, error) {
	sign, digits, base := splitBase(s)
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	if sign == "+" {
		sign = ""
	}
	return strconv.ParseInt(sign+digits, base, bits)
}

func parseUint(s string, bits int) (uint64, error) {
	_, digits, base := splitBase(strings.TrimPrefix(s, "+"))
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(digits, base, bits)
}

// parseFloat reads a decimal number or YAML's .inf/.nan spellings, and
// rejects Go-only forms (hex floats, "Inf", "NaN") a YAML reader would not.
func parseFloat(s string, bits int) (float64, bool) {
	switch strings.ToLower(s) {
	case ".inf", "+.inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	if strings.ContainsAny(s, "xXpP_") || strings.ContainsAny(strings.ToLower(s), "in") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, bits)
	return f, err == nil
}

// duration decodes a Go duration string, refusing bare numbers: "5" could
// mean seconds or milliseconds, and guessing wrong is worse than asking.
func (d *decoder) duration(n *yaml.Node, at Path, v reflect.Value) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, at, "expected a duration, got %s", describe(n))
		return
	}
	dur, msg := parseDuration(n.Value)
	if msg != "" {
		d.fail(n, at, "%s", msg)
		return
	}
	v.SetInt(int64(dur))
}

// parseDuration returns the duration in s, or a message saying what is
// wrong with it.
func parseDuration(s string) (time.Duration, string) {
	if s == "0" {
		return 0, "" // zero needs no unit
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_iInN") {
		return 0, "invalid duration " + strconv.Quote(s) + `: missing unit (e.g. "` + strings.TrimPrefix(s, "+") + `s")`
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		return 0, "invalid duration " + strconv.Quote(s) + ` (e.g. "1.5s", "250ms", "2m"; units ns, us, ms, s, m, h)`
	}
	if dur < 0 {
		return 0, "must not be negative"
	}
	return dur, ""
}

// text decodes a scalar through the type's own UnmarshalText.
func (d *decoder) text(n *yaml.Node, at Path, u encoding.TextUnmarshaler) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, at, "expected a string, got %s", describe(n))
		return
	}
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		d.fail(n, at, "invalid value %q: %v", n.Value, err)
	}
}

// genericScalar reads a scalar for an untyped (any) field by its YAML tag.
func (d *decoder) genericScalar(n *yaml.Node, at Path) any {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, at, "expected a value, got %s", describe(n))
		return nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, ok := parseBool(n.Value); ok {
			return b
		}
	case "!!int":
		if i, err := parseInt(n.Value, strconv.IntSize); err == nil {
			return int(i)
		}
	case "!!float":
		if f, ok := parseFloat(n.Value, 64); ok {
			return f
		}
	}
	return n.Value
}
