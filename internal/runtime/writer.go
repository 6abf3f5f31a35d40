package runtime

import (
	"net/http"
	"time"
)

// recorder wraps the client's ResponseWriter to learn the status and the
// bytes sent for the access log, and to manage the write deadline of
// streams. It unwraps for http.ResponseController (flush, hijack).
type recorder struct {
	http.ResponseWriter
	status       int
	bytes        int64
	writeTimeout time.Duration
}

func (w *recorder) reset(rw http.ResponseWriter, writeTimeout time.Duration) {
	*w = recorder{ResponseWriter: rw, writeTimeout: writeTimeout}
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 || code == http.StatusSwitchingProtocols {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets ReverseProxy flush streamed responses straight away.
func (w *recorder) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ResponseStarted restarts the write budget when upstream headers arrive,
// so a slow upstream does not eat the client's write time; an event stream
// has no end and gets no write deadline at all.
func (w *recorder) ResponseStarted(stream bool) {
	rc := http.NewResponseController(w.ResponseWriter)
	switch {
	case stream:
		_ = rc.SetWriteDeadline(time.Time{})
	case w.writeTimeout > 0:
		_ = rc.SetWriteDeadline(time.Now().Add(w.writeTimeout))
	}
}
