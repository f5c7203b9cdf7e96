package rundir

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteTar writes the tree under dir (regular files and directories, named
// below filepath.Base(dir)) to w as a tar stream: how a run directory
// leaves a container that holds no tar program (a FROM-scratch image,
// where kubectl cp cannot work). Symbolic links and other special files are
// left out.
func WriteTar(w io.Writer, dir string) error {
	dir = filepath.Clean(dir)
	base := filepath.Base(dir)
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join(base, rel))
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		return copyFile(tw, path)
	})
	if err != nil {
		return fmt.Errorf("tar of %s: %w", dir, err)
	}
	return tw.Close()
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path) // #nosec G304 -- the caller names the tree to archive
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return errors.Join(err, f.Close())
}
