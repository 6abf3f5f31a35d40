package runtime

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestScanHeader(t *testing.T) {
	cases := []struct {
		name      string
		h         http.Header
		lines     int
		seen      int
		remaining http.Header
	}{
		{"none", http.Header{}, 0, 0, http.Header{}},
		{"nil", nil, 0, 0, nil},
		{"one each", http.Header{"A": {"1"}, "B": {"2"}}, 2, 0, http.Header{"A": {"1"}, "B": {"2"}}},
		{"repeated lines count one by one", http.Header{"Cookie": {"a=1", "b=2", "c=3"}, "A": {"1"}}, 4, 0,
			http.Header{"Cookie": {"a=1", "b=2", "c=3"}, "A": {"1"}}},
		{"an empty value is still a line", http.Header{"A": {""}}, 1, 0, http.Header{"A": {""}}},
		{"underscored names dropped but counted", http.Header{"X_User_Id": {"1"}, "X-User-Id": {"2"}, "_": {"3"}}, 3, 0,
			http.Header{"X-User-Id": {"2"}}},
		{"upgrade and connection noted", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}, 2,
			seenUpgrade | seenConnection, http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines, seen := scanHeader(c.h)
			if lines != c.lines || seen != c.seen || !reflect.DeepEqual(c.h, c.remaining) {
				t.Fatalf("scanHeader = %d lines, seen %b, left %v; want %d, %b, %v", lines, seen, c.h, c.lines, c.seen, c.remaining)
			}
		})
	}
}

func TestStripH2C(t *testing.T) {
	cases := []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{"h2c upgrade removed with its settings",
			http.Header{"Upgrade": {"h2c"}, "Http2-Settings": {"AAMAAABkAAQAAP__"}, "Connection": {"Upgrade, HTTP2-Settings"}},
			http.Header{"Connection": {"Upgrade, HTTP2-Settings"}}},
		{"case-insensitive", http.Header{"Upgrade": {"H2C"}}, http.Header{}},
		{"h2c among others", http.Header{"Upgrade": {"foo/1", "h2c"}, "X": {"1"}}, http.Header{"X": {"1"}}},
		{"websocket kept", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}},
			http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
		{"no upgrade", http.Header{"Http2-Settings": {"x"}}, http.Header{"Http2-Settings": {"x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stripH2C(c.in)
			if !reflect.DeepEqual(c.in, c.want) {
				t.Fatalf("after stripH2C: %v; want %v", c.in, c.want)
			}
		})
	}
}

func TestValidRequestID(t *testing.T) {
	cases := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"abc-123", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"trace:span/1+2=3_x.y", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"has space", false},
		{"quote\"", false},
		{"new\nline", false},
		{"tab\t", false},
		{"nul\x00", false},
		{"<script>", false},
		{"ünïcode", false},
		{"semi;colon", false},
		{"comma,id", false},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			if got := validRequestID(c.id); got != c.want {
				t.Fatalf("validRequestID(%q) = %v; want %v", c.id, got, c.want)
			}
		})
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		if !uuidV4.MatchString(id) {
			t.Fatalf("newRequestID() = %q; want a version-4 UUID", id)
		}
		if !validRequestID(id) {
			t.Fatalf("generated %q fails validRequestID", id)
		}
		if seen[id] {
			t.Fatalf("newRequestID repeated %q", id)
		}
		seen[id] = true
	}
}
