package jwt

import (
	"io"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func testBuildContext() pipeline.BuildContext {
	return pipeline.BuildContext{Route: "r", Service: "s", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
