// Package compress holds the compress policy: responses encoded with
// zstd, Brotli or gzip as the client accepts, and, optionally, request
// bodies decoded with limits against decompression bombs.
package compress

import (
	"fmt"
	"maps"
	"mime"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("compress", pipeline.PhaseEncode, func() pipeline.Spec { return &Spec{} })
}

// Spec is the compress policy's settings.
type Spec struct {
	// Algorithms are the codings offered, in the server's order of
	// preference among those a client accepts with equal weight.
	// Default [zstd, br, gzip].
	Algorithms []string `yaml:"algorithms"`
	// Types are the media types compressed: exact ("application/json"),
	// a whole type ("text/*"), or a suffix ("+json"). Default: text,
	// JSON, XML, JavaScript, SVG, WebAssembly and event streams.
	Types []string `yaml:"types"`
	// MinBytes leaves smaller responses (by Content-Length) as they are:
	// the coding's overhead outweighs the gain. Default 1024.
	MinBytes int `yaml:"min_bytes"`
	// Levels per coding: gzip 1–9 (default 5), br 0–11 (default 4),
	// zstd 1–22 (default 3).
	Levels map[string]int `yaml:"levels"`
	// DecompressRequests, when set, decodes request bodies sent with a
	// Content-Encoding of gzip, br or zstd before the service sees them.
	DecompressRequests *DecompressSpec `yaml:"decompress_requests"`
}

// DecompressSpec bounds request decompression.
type DecompressSpec struct {
	// MaxBytes is the largest decoded body; past it the client gets 413.
	// Default 10485760 (10 MiB).
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxRatio is the largest decoded-to-encoded size ratio (a bomb of a
	// few KB that decodes to gigabytes is stopped early). Default 100.
	MaxRatio int `yaml:"max_ratio"`
}

// Defaults.
const (
	defaultMinBytes      = 1024
	defaultDecodeMax     = 10 << 20
	defaultDecodeRatio   = 100
	defaultGzipLevel     = 5
	defaultBrotliLevel   = 4
	defaultZstdLevel     = 3
	maxDecodeRatioConfig = 100000
)

var defaultAlgorithms = []string{zstdName, brName, gzipName}

var defaultTypes = []string{"text/*", "application/json", "+json", "application/xml", "+xml",
	"application/javascript", "application/x-javascript", "image/svg+xml", "application/wasm",
	"application/x-ndjson", "application/graphql-response+json"}

var levelRange = map[string][2]int{gzipName: {1, 9}, brName: {0, 11}, zstdName: {1, 22}}

// Validate checks the names, types and numbers.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, a ...any) { errs = append(errs, config.Errorf(p, f, a...)) }
	known := []string{zstdName, brName, gzipName}
	seen := map[string]bool{}
	for i, a := range s.Algorithms {
		p := at.Field("algorithms").Index(i)
		switch {
		case levelRange[a] == [2]int{}:
			add(p, "unknown coding %q: want zstd, br or gzip%s", a, config.Suggest(a, known))
		case seen[a]:
			add(p, "%q listed twice", a)
		}
		seen[a] = true
	}
	if s.Algorithms != nil && len(s.Algorithms) == 0 {
		add(at.Field("algorithms"), "must name at least one coding (remove the policy to compress nothing)")
	}
	for i, t := range s.Types {
		if !validTypePattern(t) {
			add(at.Field("types").Index(i), "%q is not a media type, type/* or +suffix", t)
		}
	}
	if s.MinBytes < 0 {
		add(at.Field("min_bytes"), "must not be negative")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Levels)) {
		lv := s.Levels[name]
		r, ok := levelRange[name]
		p := at.Field("levels").Field(name)
		switch {
		case !ok:
			add(p, "unknown coding %q: want zstd, br or gzip%s", name, config.Suggest(name, known))
		case lv < r[0] || lv > r[1]:
			add(p, "must be from %d to %d, got %d", r[0], r[1], lv)
		}
	}
	if d := s.DecompressRequests; d != nil {
		p := at.Field("decompress_requests")
		if d.MaxBytes < 0 {
			add(p.Field("max_bytes"), "must not be negative")
		}
		if d.MaxRatio < 0 || d.MaxRatio > maxDecodeRatioConfig {
			add(p.Field("max_ratio"), "must be from 1 to %d (0: the default, %d)", maxDecodeRatioConfig, defaultDecodeRatio)
		}
	}
	return errs
}

func validTypePattern(t string) bool {
	switch {
	case strings.HasPrefix(t, "+"):
		return len(t) > 1 && !strings.ContainsAny(t, "/; ")
	case strings.HasSuffix(t, "/*"):
		return len(t) > 2 && !strings.ContainsAny(t[:len(t)-2], "/*; ")
	}
	mt, params, err := mime.ParseMediaType(t)
	return err == nil && len(params) == 0 && mt == strings.ToLower(t) && strings.Count(mt, "/") == 1
}

// level is the configured or default level of a coding.
func (s *Spec) level(coding string) int {
	if lv, ok := s.Levels[coding]; ok {
		return lv
	}
	switch coding {
	case brName:
		return defaultBrotliLevel
	case zstdName:
		return defaultZstdLevel
	}
	return defaultGzipLevel
}

func (s *Spec) String() string { return fmt.Sprintf("compress%v", s.Algorithms) }
