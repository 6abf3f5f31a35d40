package config

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// fieldPaths lists every config field as a dotted path without list
// indexes ("routes.match.headers.present"), from the Go types, stopping at
// Policies whose contents belong to the policy packages.
func fieldPaths(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == durationType {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		*out = append(*out, p)
		if f.Type != reflect.TypeFor[Policies]() {
			fieldPaths(f.Type, p, out)
		}
	}
}

// TestFullExampleCoversEveryField keeps testdata/valid/full.yaml a complete
// example: a field added to the types must be added there too.
func TestFullExampleCoversEveryField(t *testing.T) {
	c, err := testLoader.Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	index := regexp.MustCompile(`\[\d+\]`)
	for p := range c.index {
		written[index.ReplaceAllString(string(p), "")] = true
	}
	var all []string
	fieldPaths(reflect.TypeFor[Config](), "", &all)
	for _, p := range all {
		if !written[p] {
			t.Errorf("testdata/valid/full.yaml does not set %s", p)
		}
	}
}

// TestDocsMentionEveryField keeps docs/configuration.md in step with the
// types: every field name must appear there as `name`.
func TestDocsMentionEveryField(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	fieldPaths(reflect.TypeFor[Config](), "", &all)
	names := map[string]bool{}
	for _, p := range all {
		names[p[strings.LastIndexByte(p, '.')+1:]] = true
	}
	var missing []string
	for n := range names {
		if !strings.Contains(string(doc), "`"+n+"`") {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/configuration.md does not document: %s", strings.Join(missing, ", "))
	}
}

// TestDocsCompleteExampleLoads keeps the complete example in
// docs/configuration.md a config that actually loads.
func TestDocsCompleteExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Complete example")
	if !ok {
		t.Fatal("no complete example section")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatal("no yaml block in the complete example")
	}
	block, _, _ = strings.Cut(block, "```")
	if _, err := testLoader.Parse([]byte(block), "configuration.md"); err != nil {
		t.Fatal(err)
	}
}
