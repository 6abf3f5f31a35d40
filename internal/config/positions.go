package config

import (
	"sort"
	"strconv"
	"strings"
)

// position is where a value was written in the file.
type position struct {
	Line, Col int
	// Null is true when the key was written with no value (or null/~), so
	// callers can tell "written as nothing" from "written as empty".
	Null bool
}

// positions maps a config path to where its value was written. Decode
// fills it while walking the tree, so every decoded path is present.
type positions map[Path]position

// lookup returns the position of p, or of its nearest written ancestor
// when p itself was never written (a missing required field points at the
// mapping that lacks it).
func (ix positions) lookup(p Path) (position, bool) {
	for {
		if pos, ok := ix[p]; ok {
			return pos, true
		}
		if p == "" {
			return position{}, false
		}
		p = parentPath(p)
	}
}

// parentPath strips the last ".name" or "[i]" from p.
func parentPath(p Path) Path {
	s := string(p)
	i := strings.LastIndexAny(s, ".[")
	if i < 0 {
		return ""
	}
	return Path(s[:i])
}

// has reports whether p was written in the file at all.
func (ix positions) has(p Path) bool {
	_, ok := ix[p]
	return ok
}

// lineOf renders "line N" for p when it is known, else the path itself,
// for messages that point at a second place ("first at line 3").
func (ix positions) lineOf(p Path) string {
	if pos, ok := ix.lookup(p); ok {
		return "line " + strconv.Itoa(pos.Line)
	}
	return string(p)
}

// Locate returns errs with Line and Col filled in for every error that has
// only a Path, using where the config was written. Errors that already
// have a position are kept as they are. A Config not made by Parse has no
// positions, and errs come back unchanged.
//
// Policy packages use it to position the path-only errors of their own
// validation, since the index covers the nodes under every policies key.
func (c *Config) Locate(errs []FieldError) []FieldError {
	out := make([]FieldError, len(errs))
	copy(out, errs)
	if c == nil || c.index == nil {
		return out
	}
	for i := range out {
		if out[i].Line != 0 {
			continue
		}
		if pos, ok := c.index.lookup(out[i].Path); ok {
			out[i].Line, out[i].Col = pos.Line, pos.Col
		}
	}
	return out
}

// sortErrors orders errors as they appear in the file. The sort is stable
// so errors at the same spot keep the order they were found in.
func sortErrors(errs []FieldError) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Col < errs[j].Col
	})
}
