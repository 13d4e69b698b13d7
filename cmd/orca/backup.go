package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/memberdial"
)

// Environment of `orca backup` and `orca restore`: secrets never go on the command line.
const (
	envBackupUser     = "ORCA_BACKUP_USER"
	envBackupPassword = "ORCA_BACKUP_PASSWORD"
	envS3AccessKey    = "AWS_ACCESS_KEY_ID"
	envS3SecretKey    = "AWS_SECRET_ACCESS_KEY"
)

// storageFlags locate one backup: bucket, prefix and the backup's id under it.
type storageFlags struct {
	bucket, prefix, region, endpoint, id string
	pathStyle                            bool
	partSize                             int
}

func (s *storageFlags) bind(f *pflag.FlagSet) {
	s.bindBucket(f)
	f.StringVar(&s.id, "backup-id", "", "the backup's name: its objects live under <prefix>/<backup-id>/ (required)")
}

// bindBucket binds the flags that locate the cluster's backup prefix (without a backup id).
func (s *storageFlags) bindBucket(f *pflag.FlagSet) {
	f.StringVar(&s.bucket, "bucket", "", "S3 bucket (required)")
	f.StringVar(&s.prefix, "prefix", "", "key prefix of the cluster's backups in the bucket")
	f.StringVar(&s.region, "region", "us-east-1", "S3 region")
	f.StringVar(&s.endpoint, "endpoint", "", "S3 endpoint URL for S3-compatible servers (empty for AWS)")
	f.BoolVar(&s.pathStyle, "path-style", false, "address the bucket path-style (endpoint/bucket/key)")
	f.IntVar(&s.partSize, "part-size", backup.DefaultPartSize, "multipart part size in bytes (memory per worker)")
}

func (s *storageFlags) store() (*backup.S3Store, error) {
	if s.id == "" {
		return nil, fmt.Errorf("--bucket and --backup-id are required")
	}
	st, err := s.cluster()
	if err != nil {
		return nil, err
	}
	return st.Sub(s.id), nil
}

// cluster is the store of the cluster's prefix, where its backups and its binary log archive live.
func (s *storageFlags) cluster() (*backup.S3Store, error) {
	if s.bucket == "" {
		return nil, fmt.Errorf("--bucket is required")
	}
	return backup.NewS3Store(backup.S3Config{Bucket: s.bucket, Prefix: s.prefix, Region: s.region,
		Endpoint: s.endpoint, PathStyle: s.pathStyle, PartSize: s.partSize,
		AccessKey: os.Getenv(envS3AccessKey), SecretKey: os.Getenv(envS3SecretKey)})
}

// serverFlags reach the MySQL server to dump or load.
type serverFlags struct {
	host         string
	port         int
	devMemberMap string
	tls          tlsFlags
}

func (s *serverFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&s.host, "host", "", "the server's host name (required)")
	f.IntVar(&s.port, "port", 3306, "the server's classic protocol port")
	f.StringVar(&s.devMemberMap, "dev-member-map", os.Getenv(envDevMemberMap),
		"development only: JSON file mapping member host names to loopback addresses")
	s.tls.bind(f)
}

func (s *serverFlags) server() (backup.Server, error) {
	if s.host == "" {
		return backup.Server{}, fmt.Errorf("--host is required")
	}
	srv := backup.Server{Addr: net.JoinHostPort(s.host, strconv.Itoa(s.port)), User: envOr(envBackupUser, "root"),
		Password: os.Getenv(envBackupPassword), Dialer: memberdial.Direct()}
	if own, ok := devPodLoopback(s.host); ok {
		srv.Addr = net.JoinHostPort(own, strconv.Itoa(s.port)) // the verify Job's scratch sidecar
		return srv, nil
	}
	if s.devMemberMap != "" {
		srv.Dialer = memberdial.NewLoopbackFile(s.devMemberMap)
	}
	var err error
	if srv.TLS, err = s.tls.config(); err != nil {
		return backup.Server{}, err
	}
	return srv, nil
}

// devPodLoopback: under the development pod runner, a pod's 127.0.0.1 (or localhost) is the pod's own loopback
// address, ORCA_DEV_BIND_ADDRESS, where its other containers listen. ok is false outside the runner, for any
// other host, and for a bind address that is not loopback.
func devPodLoopback(host string) (string, bool) {
	own := os.Getenv(envDevBindAddress)
	ip := net.ParseIP(own)
	if own == "" || ip == nil || !ip.IsLoopback() {
		return "", false
	}
	if host != "localhost" && !net.ParseIP(host).IsLoopback() {
		return "", false
	}
	return own, true
}

func newBackupCommand() *cobra.Command {
	var (
		sf             storageFlags
		srv            serverFlags
		o              backup.DumpOptions
		opts           zap.Options
		terminationLog string
	)
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Take a consistent logical backup of a server straight into S3",
		Long: "Dumps every database but the system ones from one consistent snapshot, in parallel chunks " +
			"compressed with zstd and streamed to S3 (nothing is written to local disk), then writes the manifest. " +
			"The account comes from " + envBackupUser + " and " + envBackupPassword + ", S3 credentials from " +
			envS3AccessKey + " and " + envS3SecretKey + ". Prints a JSON summary on stdout.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			limitMemory()
			st, err := sf.store()
			if err != nil {
				return err
			}
			if o.Source, err = srv.server(); err != nil {
				return err
			}
			o.Store, o.ID, o.Log = st, sf.id, zap.New(zap.UseFlagOptions(&opts)).WithName("backup")
			m, err := backup.Dump(cmd.Context(), o)
			if err != nil {
				writeTerminationLog(terminationLog, err.Error())
				return err
			}
			var out bytes.Buffer
			if err := printSummary(io.MultiWriter(cmd.OutOrStdout(), &out), st.Location(), m); err != nil {
				return err
			}
			writeTerminationLog(terminationLog, out.String())
			return nil
		},
	}
	sf.bind(cmd.Flags())
	srv.bind(cmd.Flags())
	cmd.Flags().IntVar(&o.Threads, "threads", 4, "dump workers, each with its own snapshot connection")
	cmd.Flags().IntVar(&o.CompressionLevel, "compression-level", 3, "zstd level (1 fastest .. 19 smallest)")
	cmd.Flags().BoolVar(&o.Users, "users", false, "include accounts and grants (system and Orca accounts excepted)")
	cmd.Flags().StringSliceVar(&o.Databases, "databases", nil, "only these databases (default: all but system)")
	cmd.Flags().Int64Var(&o.ChunkBytes, "chunk-bytes", backup.DefaultChunkBytes, "SQL bytes per chunk object")
	cmd.Flags().StringVar(&terminationLog, "termination-log", "",
		"file that receives the JSON summary, or the error (the operator reads it as the termination message)")
	bindZap(cmd.Flags(), &opts)
	return cmd
}

// restoreFlags are `orca restore`'s own flags.
type restoreFlags struct {
	verify         bool
	waitServer     time.Duration
	terminationLog string
	// restorePoint replays the binary log archive after the backup: latest, an RFC 3339 time or a GTID set.
	restorePoint string
	// tls is the server's: the replay's client verifies the target as the restore does.
	tls tlsFlags
	// replace fences the fence hosts and wipes the target before the restore (an in-place restore); prepare
	// runs it after the archive's chain was checked.
	replace    bool
	fenceHosts []string
	prepare    func(context.Context) error
}

func newRestoreCommand() *cobra.Command {
	var (
		sf   storageFlags
		srv  serverFlags
		o    backup.RestoreOptions
		opts zap.Options
		rf   restoreFlags
	)
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup from S3 into a server",
		Long: "Loads a complete backup (one with a manifest) into an empty server in parallel, verifying each " +
			"chunk's SHA-256 before using it. Run again after a failure, it resumes where it stopped. Prints a JSON " +
			"summary on stdout, on failure too (its kind, the corrupt object it names).",
		RunE: func(cmd *cobra.Command, _ []string) error { return restoreCommand(cmd, sf, srv, o, &opts, rf) },
	}
	sf.bind(cmd.Flags())
	srv.bind(cmd.Flags())
	rf.bind(cmd.Flags(), &o)
	bindZap(cmd.Flags(), &opts)
	return cmd
}

func (rf *restoreFlags) bind(f *pflag.FlagSet, o *backup.RestoreOptions) {
	f.IntVar(&o.Threads, "threads", 4, "loading workers")
	f.BoolVar(&o.Users, "users", false, "restore the backup's accounts and grants")
	f.BoolVar(&o.SetGTIDPurged, "set-gtid-purged", false, "record the backup's GTID set on the server "+
		"after the load (MySQL: appended to gtid_purged, refused before loading if the server executed part of "+
		"it; MariaDB: gtid_slave_pos), so replication from the source and a replay skip what the dump holds")
	f.BoolVar(&rf.verify, "verify", false,
		"after the restore, read every table back and compare its rows and digest with the manifest's")
	f.DurationVar(&rf.waitServer, "wait-server", 0,
		"wait up to this long for the server to accept connections first (a scratch server still starting)")
	f.StringVar(&rf.restorePoint, "restore-point", "", "after the backup, replay the cluster's binary "+
		"log archive (<prefix>/_pitr/) to latest, an RFC 3339 time or a GTID set; checked before anything is restored")
	f.StringVar(&rf.terminationLog, "termination-log", "",
		"file that receives the JSON summary (the operator reads it as the termination message)")
	f.BoolVar(&rf.replace, "replace", false, "in-place restore: fence every --fence-host (read-only, "+
		"out of the group), then drop the target's schemas and reset its binary logs and GTIDs before loading")
	f.StringSliceVar(&rf.fenceHosts, "fence-host", nil, "with --replace, another member to fence first "+
		"(host or host:port; --port when none); repeatable")
}

// restoreCommand runs `orca restore`: a plain or point-in-time restore, in place when asked, and its JSON
// summary on stdout and in the termination log, on failure too.
func restoreCommand(cmd *cobra.Command, sf storageFlags, srv serverFlags, o backup.RestoreOptions,
	opts *zap.Options, rf restoreFlags) error {
	limitMemory()
	st, err := sf.store()
	if err != nil {
		return err
	}
	if o.Target, err = srv.server(); err != nil {
		return err
	}
	o.Store, o.Log = st, zap.New(zap.UseFlagOptions(opts)).WithName("restore")
	if rf.replace {
		if rf.prepare, err = replacer(srv, rf.fenceHosts, o.Target, o.Log); err != nil {
			return err
		}
	}
	var rep any
	if rf.restorePoint == "" {
		r, e := runRestore(cmd.Context(), o, rf)
		r.Location = st.Location() // before the copy into rep
		rep, err = r, e
	} else {
		cluster, cerr := sf.cluster()
		if cerr != nil {
			return cerr
		}
		rf.tls = srv.tls
		r, e := runPointRestore(cmd.Context(), o, rf, cluster, rf.restorePoint)
		r.Location = st.Location()
		rep, err = r, e
	}
	var out bytes.Buffer
	if encErr := json.NewEncoder(io.MultiWriter(cmd.OutOrStdout(), &out)).Encode(rep); encErr != nil {
		return encErr
	}
	writeTerminationLog(rf.terminationLog, out.String())
	return err
}

// runRestore waits for the server when asked, restores, verifies when asked, and reports either way.
func runRestore(ctx context.Context, o backup.RestoreOptions, rf restoreFlags) (backup.RestoreReport, error) {
	var rep backup.RestoreReport
	if rf.waitServer > 0 {
		if err := o.Target.WaitReady(ctx, rf.waitServer); err != nil {
			rep.Fail(err)
			return rep, err
		}
	}
	if rf.prepare != nil {
		if err := rf.prepare(ctx); err != nil {
			rep.Fail(err)
			return rep, err
		}
	}
	start := time.Now()
	res, err := backup.Restore(ctx, o)
	if err != nil {
		rep.Fail(err)
		return rep, err
	}
	rep.RestoreSeconds = time.Since(start).Seconds()
	rep.ID, rep.LoadedChunks, rep.SkippedChunks, rep.Rows = res.Manifest.ID, res.Loaded, res.Skipped, res.Rows
	if rf.verify {
		if _, err := backup.Verify(ctx, o.Target, res.Manifest); err != nil {
			rep.Fail(err)
			return rep, err
		}
		rep.Verified = true
	}
	return rep, nil
}

// memoryLimit is the Go heap's soft limit for `orca backup` and `orca restore` unless GOMEMLIMIT says
// otherwise: their live memory is workers x (part or chunk size) plus the codecs, and without a limit the
// collector lets the heap grow to twice that before it runs.
const memoryLimit = 160 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// writeTerminationLog writes at most 4 KiB (what the kubelet keeps of a termination message).
func writeTerminationLog(path, msg string) {
	if path == "" {
		return
	}
	if len(msg) > 4000 {
		msg = msg[:4000]
	}
	_ = os.WriteFile(path, []byte(msg), 0o600)
}

func bindZap(f *pflag.FlagSet, o *zap.Options) {
	gofs := flag.NewFlagSet("zap", flag.ContinueOnError)
	o.BindFlags(gofs)
	f.AddGoFlagSet(gofs)
}

func printSummary(w io.Writer, location string, m *backup.Manifest) error {
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	return json.NewEncoder(w).Encode(map[string]any{"location": location, "id": m.ID,
		"gtidSet": m.Position.GTIDSet, "binlogFile": m.Position.BinlogFile, "binlogPos": m.Position.BinlogPos,
		"size": m.Size(), "rows": rows, "tables": len(m.Tables), "startedAt": m.StartedAt,
		"completedAt": m.CompletedAt})
}
