package jwt

import "log/slog"

func defaultLogger() *slog.Logger { return slog.Default() }
