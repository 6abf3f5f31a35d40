package validation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiDoc is a loaded, validated OpenAPI document and its router.
type apiDoc struct {
	doc    *openapi3.T
	router routers.Router
}

// loadOpenAPI reads and checks the document. Its servers are replaced by
// "/": the gateway has already chosen the route, and base_path says what
// to remove from the path.
func loadOpenAPI(path string) (*apiDoc, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("reading %s: %v", path, errors.Unwrap(err))
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true // $ref to files next to the document
	doc, err := loader.LoadFromFile(abs)
	if err != nil {
		return nil, fmt.Errorf("loading OpenAPI document: %v", oneLine(err))
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid OpenAPI document %s: %v", path, oneLine(err))
	}
	doc.Servers = openapi3.Servers{{URL: "/"}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("OpenAPI document %s: %v", path, oneLine(err))
	}
	return &apiDoc{doc: doc, router: r}, nil
}
