package gateway

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ApplyAndSave applies data like ReloadBytes and, when it is accepted,
// writes it to the config file so a restart serves the same config. The
// write is atomic: a temporary file in the same directory is written and
// synced, then renamed over the old one, and the directory is synced.
func (g *Gateway) ApplyAndSave(data []byte) error {
	if err := g.ReloadBytes(data); err != nil && !errors.Is(err, ErrUnchanged) {
		return err
	}
	if !g.fromFile {
		return nil
	}
	return writeAtomic(g.file, data)
}

func writeAtomic(file string, data []byte) error {
	dir := filepath.Dir(file)
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(file); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving config: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saving config: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("saving config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving config: %w", err)
	}
	if err := os.Rename(name, file); err != nil {
		return fmt.Errorf("saving config: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
