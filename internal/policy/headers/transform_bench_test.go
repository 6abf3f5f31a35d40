package headers

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkJSONTransform is the cost of a typical response trim per body
// size; divide ns/op by the size for the cost per KB.
func BenchmarkJSONTransform(b *testing.B) {
	o := &bodyOps{deny: []fieldPath{{"items", "cost"}}, set: []fieldValue{{fieldPath{"meta", "via"}, constTemplate("gatehouse")}}}
	for _, kb := range []int{1, 16, 256} {
		body := sampleBody(kb << 10)
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := o.transform(body, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sampleBody is an API-like list of items of about n bytes.
func sampleBody(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; sb.Len() < n-80; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku":"SKU-%06d","name":"item %d","price":%d.99,"cost":%d,"tags":["a","b"]}`, i, i, i%100, i%50)
	}
	sb.WriteString(`],"total":1}`)
	return []byte(sb.String())
}
