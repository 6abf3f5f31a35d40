package router

// Normalize returns the decoded, canonical form of rawPath, the path
// routes are matched against. rawPath is the request's escaped path
// without query, as url.URL.EscapedPath gives it; decodeSeparators is true
// when encoded separators are set to "decode". The rules, in order:
//
//  1. The path must start with "/"; an empty path is rejected.
//  2. A raw NUL, '#' or control character (bytes below 0x20, and 0x7f) is
//     rejected: none belongs in a request target, and each can make the
//     gateway and the upstream disagree about the path.
//  3. Percent-escapes are decoded. A malformed escape ("%zz", "%4") and an
//     escaped control character (%00-%1F, %7F) are rejected. %2F, %5C and %2E (either hex case) and a raw '\' are
//     rejected unless encoded separators are set to "decode"; then %2F, %5C
//     and '\' become '/' and %2E becomes '.', and they take part in steps 4
//     and 5 exactly like literal characters. Every other escape is decoded
//     ("/caf%C3%A9" is "/café", "%41" is "A") and is never decoded twice.
//  4. Runs of slashes are merged: "//a///b" is "/a/b".
//  5. Dot segments are resolved as in RFC 3986 section 5.2.4: "." is
//     dropped, ".." drops the segment before it, and ".." at the root stays
//     at the root ("/../../x" is "/x"). A trailing "." or ".." segment
//     leaves a trailing slash ("/a/b/.." is "/a/"); any other trailing
//     slash is kept as it came ("/a/" stays "/a/").
//
// Encoded separators are rejected by default because the upstream may
// decode them after the gateway has routed: "/public/..%2fadmin" would be
// routed as a /public path and then served as /admin.
//
// The result is decoded; the proxy re-escapes it for the upstream. A path
// that needs no change is returned as is without allocating, which is the
// common case. A refused path gets a *PathError.
func Normalize(rawPath string, decodeSeparators bool) (string, error) {
	if rawPath == "" {
		return "", &PathError{Reason: "empty path"}
	}
	if rawPath[0] != '/' {
		return "", &PathError{Reason: `path must start with "/"`}
	}
	if isClean(rawPath) {
		return rawPath, nil
	}
	return normalizeSlow(rawPath, decodeSeparators)
}

// PathError is why a request path was refused. Callers answer 400 and may
// show Reason to the client: it never echoes the path.
type PathError struct {
	Reason string
}

func (e *PathError) Error() string { return "invalid path: " + e.Reason }

// isClean reports whether p is already in normal form: nothing to decode,
// no forbidden byte, no empty segment and no segment starting with '.'
// (which over-approximates dot segments, cheaply).
func isClean(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%', c == '\\', c == '#', c < 0x20, c == 0x7f:
			return false
		case c == '/' && i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.'):
			return false
		}
	}
	return true
}

// normalizeSlow decodes and resolves p in one pass. out always holds "/",
// then the finished segments each followed by "/", then the segment being
// read from out[seg:]; a segment is judged when its end is reached.
func normalizeSlow(p string, decodeSeparators bool) (string, error) {
	out := make([]byte, 1, len(p))
	out[0] = '/'
	seg := 1
	for i := 1; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) {
				return "", &PathError{Reason: "invalid percent-escape in path"}
			}
			hi, ok1 := unhex(p[i+1])
			lo, ok2 := unhex(p[i+2])
			if !ok1 || !ok2 {
				return "", &PathError{Reason: "invalid percent-escape in path"}
			}
			i += 2
			c = hi<<4 | lo
			switch c {
			case 0:
				return "", &PathError{Reason: "encoded NUL not allowed in path"}
			case 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
				0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
				0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x7f:
				// Decoded, a CR or LF would reach headers and logs through {path}.
				return "", &PathError{Reason: "encoded control character not allowed in path"}
			case '/', '\\', '.':
				if !decodeSeparators {
					return "", &PathError{Reason: `encoded "` + string(rune(c)) + `" not allowed in path`}
				}
				if c == '\\' {
					c = '/'
				}
			}
		case c == '\\':
			if !decodeSeparators {
				return "", &PathError{Reason: `"\" not allowed in path`}
			}
			c = '/'
		case c == 0:
			return "", &PathError{Reason: "NUL not allowed in path"}
		case c == '#':
			return "", &PathError{Reason: `"#" not allowed in path`}
		case c < 0x20 || c == 0x7f:
			return "", &PathError{Reason: "control character not allowed in path"}
		}
		if c == '/' {
			out, seg = endSegment(out, seg, false)
			continue
		}
		out = append(out, c)
	}
	out, _ = endSegment(out, seg, true)
	return string(out), nil
}

// endSegment judges the segment out[seg:] once its end is reached and
// returns the new out and where the next segment starts. final is true at
// the end of the path, where no slash follows the segment.
func endSegment(out []byte, seg int, final bool) ([]byte, int) {
	s := out[seg:]
	switch {
	case len(s) == 0:
		// Empty segment: a repeated slash (merged) or a trailing slash
		// (kept); out already ends in '/' either way.
		return out, seg
	case len(s) == 1 && s[0] == '.':
		return out[:seg], seg
	case len(s) == 2 && s[0] == '.' && s[1] == '.':
		out = out[:seg-1] // drop "/.."
		// Drop the previous segment but keep its leading slash; at the
		// root there is none and the path clamps to "/".
		j := len(out) - 1
		for j >= 0 && out[j] != '/' {
			j--
		}
		out = out[:j+1]
		if len(out) == 0 {
			out = append(out, '/')
		}
		return out, len(out)
	}
	if !final {
		out = append(out, '/')
	}
	return out, len(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
