package proxy

// bufferPool lends ReverseProxy its copy buffers so bodies stream through
// a reused 32 KiB buffer instead of a fresh one per request. A buffered
// channel holds the free buffers: unlike sync.Pool, putting a slice back
// does not allocate a box for it.
type bufferPool struct{ free chan []byte }

const copyBufferSize = 32 << 10

func newBufferPool(n int) *bufferPool { return &bufferPool{free: make(chan []byte, n)} }

func (b *bufferPool) Get() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
		return make([]byte, copyBufferSize)
	}
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) != copyBufferSize {
		return
	}
	select {
	case b.free <- buf[:copyBufferSize]:
	default: // pool full: let the GC have it
	}
}

// sharedBuffers lends every route its body copy buffers.
var sharedBuffers = newBufferPool(1024)
