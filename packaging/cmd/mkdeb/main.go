// Command mkdeb builds the Debian packages described by packaging/nfpm/*.yaml
// with nfpm (github.com/goreleaser/nfpm), from what scripts/deb.sh built.
// It runs in the packaging directory:
//
//	go run ./cmd/mkdeb -version 1.0.0 -arch amd64 -build DIR -out DIR
//
// The YAML files name ${VERSION}, ${ARCH} and ${BUILD}; nothing else of
// the environment is expanded into them.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
)

func main() {
	version := flag.String("version", "", "package version (Debian syntax, e.g. 1.0.0 or 1.0.0~git20261204)")
	arch := flag.String("arch", debArch(runtime.GOARCH), "Debian architecture of the binaries")
	build := flag.String("build", "", "directory holding bin/, man/ and completion/")
	out := flag.String("out", "dist", "directory to write the .deb files into")
	flag.Parse()
	if err := run(*version, *arch, *build, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkdeb:", err)
		os.Exit(1)
	}
}

// debArch names GOARCH the Debian way.
func debArch(goarch string) string {
	switch goarch {
	case "ppc64le":
		return "ppc64el"
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	}
	return goarch
}

func run(version, arch, build, out string, configs []string) error {
	if version == "" || build == "" {
		return fmt.Errorf("-version and -build are required")
	}
	build, err := filepath.Abs(build)
	if err != nil {
		return err
	}
	if len(configs) == 0 {
		if configs, err = filepath.Glob("nfpm/*.yaml"); err != nil {
			return err
		}
		sort.Strings(configs)
	}
	if len(configs) == 0 {
		return fmt.Errorf("no package descriptions in nfpm/ (run in the packaging directory)")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	vars := map[string]string{"VERSION": version, "ARCH": arch, "BUILD": build}
	mtime := time.Now().UTC().Truncate(time.Second)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err == nil {
			mtime = time.Unix(sec, 0).UTC()
		}
	}
	for _, c := range configs {
		name, err := buildOne(c, vars, mtime, out)
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
		fmt.Println(name)
	}
	return nil
}

func buildOne(config string, vars map[string]string, mtime time.Time, out string) (string, error) {
	cfg, err := nfpm.ParseFileWithEnvMapping(config, func(k string) string { return vars[k] })
	if err != nil {
		return "", err
	}
	info, err := cfg.Get("deb")
	if err != nil {
		return "", err
	}
	info.MTime = mtime
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", err
	}
	pkg, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	name := filepath.Join(out, pkg.ConventionalFileName(info))
	f, err := os.Create(name + ".tmp")
	if err != nil {
		return "", err
	}
	if err := pkg.Package(info, f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return name, os.Rename(name+".tmp", name)
}
