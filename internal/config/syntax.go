package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseDocuments parses every YAML document in data. A syntax error comes
// back as a positioned FieldError.
func parseDocuments(data []byte) ([]*yaml.Node, *FieldError) {
	docs, err := decodeAll(data)
	if err == nil {
		return docs, nil
	}
	fe := syntaxError(data, err)
	return nil, &fe
}

// decodeAll returns the documents of data, or the first syntax error.
func decodeAll(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		// yaml.v3 turns its own failures into errors, but a parser bug
		// must not take the gateway down with it.
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("yaml: cannot parse this input (%v)", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

var yamlLinePrefix = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError positions a yaml.v3 syntax error. yaml.v3 reports a line
// only sometimes, and for parser errors it is the line of the enclosing
// construct (counted from zero), not where the problem is. So this finds
// the first line at which the file stops parsing with the same complaint:
// the shortest prefix of whole lines that fails the same way. The column
// is that line's first non-blank character, the best a line-level answer
// can give.
func syntaxError(data []byte, err error) FieldError {
	msg := err.Error()
	reported := 0
	if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
		reported, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	line := 0
	if strings.HasPrefix(msg, "did not find expected ',' or ") {
		// Any prefix that stops inside [...] or {...} fails this way, so
		// close what the prefix left open before trying it.
		line = failingLine(data, msg, func(prefix []byte) []byte { return append(prefix, flowClosers(prefix)...) })
	}
	if line == 0 {
		line = failingLine(data, msg, func(prefix []byte) []byte { return prefix })
	}
	if line == 0 {
		line = max(reported, 1)
	}
	return FieldError{Line: line, Col: firstNonBlank(data, line), Msg: "syntax error: " + msg}
}

// failingLine binary-searches for a line L such that the first L-1 lines
// parse (or fail differently) and the first L lines fail with msg, each
// prefix passed through complete first. It returns 0 if there is none.
func failingLine(data []byte, msg string, complete func([]byte) []byte) int {
	ends := lineEnds(data)
	fails := func(lines int) bool {
		prefix := append([]byte(nil), data[:ends[lines-1]]...)
		_, err := decodeAll(complete(prefix))
		return err != nil && strings.HasSuffix(err.Error(), msg)
	}
	lo, hi := 0, len(ends) // invariant: lo lines don't fail with msg; hi lines do
	if hi == 0 || !fails(hi) {
		return 0
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// flowClosers returns the brackets that close the flow collections left
// open at the end of data, innermost first. It is a heuristic scan (quotes
// and comments skipped, an opener counted only where a value can start),
// good enough to tell "cut off inside a list" from "a list gone wrong".
func flowClosers(data []byte) []byte {
	var stack []byte
	canStart := true // at a position where a value, and so a bracket or quote, may start
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n'):
			for i < len(data) && data[i] != '\n' {
				i++
			}
			canStart = true
			continue
		case (c == '"' || c == '\'') && canStart:
			for i++; i < len(data); i++ {
				if c == '"' && data[i] == '\\' {
					i++
					continue
				}
				if data[i] == c {
					if c == '\'' && i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case (c == '[' || c == '{') && canStart:
			stack = append(stack, c)
		case (c == ']' || c == '}') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
		canStart = strings.IndexByte(" \t\n\r[{,:", c) >= 0
	}
	closers := make([]byte, 0, len(stack))
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i] == '[' {
			closers = append(closers, ']')
		} else {
			closers = append(closers, '}')
		}
	}
	return closers
}

// lineEnds returns, for each line, the offset just past its newline (or
// the end of data for a last line without one).
func lineEnds(data []byte) []int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	return ends
}

// firstNonBlank returns the 1-based column of the first character on line
// that is not a space or tab, or 1 for a blank or missing line.
func firstNonBlank(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	col := 1
	for _, r := range string(lines[line-1]) {
		if r != ' ' && r != '\t' {
			return col
		}
		col++
	}
	return 1
}
