// SPDX-License-Identifier: GPL-2.0
/*
 * layoutlease - list, hold and watch the layout leases of the layoutlease
 * kernel module.
 *
 * list, pins and stats read /proc/fs/layoutlease; hold takes a layout lease
 * on a file while a command runs; watch follows the module's tracepoints
 * through a trace instance of its own.  The manual is
 * Documentation/man/layoutlease.1, the formats it reads are described in
 * Documentation/layout-leases.rst.
 */
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/layout_lease.h>
#include <linux/magic.h>
#include <libsmartcols/libsmartcols.h>

#ifndef LL_VERSION
#define LL_VERSION	"unknown"
#endif

#define LL_PROC		"/proc/fs/layoutlease"

/* Exit statuses; hold passes its command's status through instead. */
enum {
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_HOLD_FAILED = 125,
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

#define prog		program_invocation_short_name
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))

static const char usage_text[] =
	"Usage:\n"
	" layoutlease list [--json|--raw] [--noheadings] [--output COLUMNS]\n"
	" layoutlease pins [--json|--raw] [--noheadings] [--output COLUMNS]\n"
	" layoutlease stats [--json|--raw] [--noheadings]\n"
	" layoutlease hold [--exclusive] [--keep] FILE [--] COMMAND [ARG...]\n"
	" layoutlease watch [--json] [--count N]\n"
	" layoutlease break ID\n"
	"\n"
	"List, hold and watch the layout leases and the long-term pins (RDMA\n"
	"memory registrations) of the layoutlease kernel module.\n"
	"\n"
	"Commands:\n"
	" list     layout leases: owner, file, mode, state, break age, pins\n"
	" pins     long-term pins of file memory: process, file, range, lease\n"
	" stats    the module's counters\n"
	" hold     hold a layout lease on FILE while COMMAND runs; report breaks\n"
	" watch    print lease events (set, break, release, timeout, revoke)\n"
	" break    break lease ID (root): its owner is told, and it goes at\n"
	"          its break timeout, even an exclusive one\n"
	"\n"
	"Options:\n"
	" -J, --json          JSON output (watch: one object per line)\n"
	" -n, --noheadings    no header line\n"
	" -o, --output LIST   the columns to show, separated by commas, e.g.\n"
	"                     PID,PATH (list: ID PID COMMAND FD DEV INO PATH\n"
	"                     MODE STATE BREAK PINS PAGES; pins: UMEM PID\n"
	"                     COMMAND DEV INO PATH START END RANGE PAGES LEASE\n"
	"                     ACCESS ACCESS_FLAGS)\n"
	" -r, --raw           raw output: columns separated by one space\n"
	" -x, --exclusive     hold an exclusive lease: layout changes by others\n"
	"                     fail with ETXTBSY instead of breaking it\n"
	" -k, --keep          keep a broken lease instead of releasing it (the\n"
	"                     module removes it at its break timeout)\n"
	" -c, --count N       exit after N events\n"
	" -h, --help          display this help\n"
	" -V, --version       display the version\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 bad usage, 3 module not loaded.\n"
	"hold exits with COMMAND's status (128+N when signal N killed it), or\n"
	"with 125 when it fails itself, 126 when COMMAND cannot be run, 127\n"
	"when COMMAND is not found.\n"
	"\n"
	"See layoutlease(1) and fcntl_layout_lease(2).\n";

static void usage(FILE *out)
{
	fputs(usage_text, out);
}

static void __noreturn bad_usage(int status, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(status);
}

/* Exit with @status and a message in words when the module is missing. */
static void need_module(int status)
{
	if (!access(LL_PROC, F_OK))
		return;
	if (errno == ENOENT)
		errx(status, "the layoutlease module is not loaded (%s does not exist)",
		     LL_PROC);
	err(status, "cannot access %s", LL_PROC);
}

/* The whole of @path, NUL-terminated; NULL with errno set on failure. */
static char *read_all(const char *path)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size), *bigger;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved;
	ssize_t n;

	if (!buf || fd < 0)
		goto fail;
	for (;;) {
		if (size - len < 2) {
			bigger = realloc(buf, size * 2);
			if (!bigger)
				goto fail;
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	saved = errno;
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return NULL;
}

/*
 * A file of /proc/fs/layoutlease.  When it cannot be read, exit with a
 * message if @must, else return NULL.
 */
static char *read_proc(const char *name, bool must)
{
	char path[64];
	char *buf;

	snprintf(path, sizeof(path), LL_PROC "/%s", name);
	buf = read_all(path);
	if (!buf && must) {
		need_module(EXIT_NO_MODULE);
		err(EXIT_FAILURE, "cannot read %s", path);
	}
	return buf;
}

/* ISO 8601 local time with microseconds and the offset from UTC. */
static void format_time(char *buf, size_t len, const struct timespec *ts)
{
	char date[32], zone[8];
	struct tm tm;

	localtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (strftime(zone, sizeof(zone), "%z", &tm) != 5)
		strcpy(zone, "+0000");
	snprintf(buf, len, "%s.%06ld%.3s:%s", date, ts->tv_nsec / 1000, zone,
		 zone + 3);
}

/* Output */

/* Length of the valid UTF-8 sequence of two to four bytes at @p, or 0. */
static int utf8_len(const unsigned char *p)
{
	unsigned int cp;
	int n, i;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Print @s for a table, padded to @width: control characters, backslashes
 * and bytes that are not UTF-8 as \xHH.
 */
static void put_visible(const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0, len;

	while (*p) {
		len = utf8_len(p);
		if (len) {
			fwrite(p, 1, len, stdout);
			p += len;
			n++;
		} else if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
			n += printf("\\x%02x", *p++);
		} else {
			putchar(*p++);
			n++;
		}
	}
	if (width > n)
		printf("%*s", width - n, "");
}

static void json_byte(unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
		printf("\\%c", c);
		break;
	case '\b':
		fputs("\\b", stdout);
		break;
	case '\f':
		fputs("\\f", stdout);
		break;
	case '\n':
		fputs("\\n", stdout);
		break;
	case '\r':
		fputs("\\r", stdout);
		break;
	case '\t':
		fputs("\\t", stdout);
		break;
	default:
		if (c < 0x20)
			printf("\\u%04x", c);
		else if (c >= 0x80)
			/* not UTF-8: a lone surrogate, as surrogateescape */
			printf("\\udc%02x", c);
		else
			putchar(c);
	}
}

/* @s as a JSON string, or null. */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	while (*p) {
		n = utf8_len(p);
		if (n) {
			fwrite(p, 1, n, stdout);
			p += n;
		} else {
			json_byte(*p++);
		}
	}
	putchar('"');
}

static void json_key(const char *key, bool first)
{
	printf("%s\"%s\": ", first ? "" : ", ", key);
}

static void json_key_string(const char *key, const char *value)
{
	json_key(key, false);
	json_string(value);
}

/*
 * Flush stdout; false when it failed, with the exit status in @status:
 * success when its reader went away, failure (and a message) otherwise.
 */
static bool flush_out(int *status)
{
	if (!fflush(stdout) && !ferror(stdout))
		return true;
	if (errno == EPIPE) {
		*status = EXIT_SUCCESS;
	} else {
		warn("cannot write the output");
		*status = EXIT_FAILURE;
	}
	return false;
}

/* Processes and files */

struct file_id {
	unsigned int maj, min;
	unsigned long ino;
};

static bool same_file(const struct stat *st, const struct file_id *id)
{
	return major(st->st_dev) == id->maj && minor(st->st_dev) == id->min &&
	       st->st_ino == id->ino;
}

/* The command name of @pid, without its newline; false if it is gone. */
static bool read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return true;
}

/* The target of /proc/@pid/fd/@fd, if that descriptor is the file @id. */
static char *fd_path(pid_t pid, int fd, const struct file_id *id)
{
	char link[64], buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
	if (stat(link, &st) || !same_file(&st, id))
		return NULL;
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	/* the descriptor may have been closed and reused meanwhile */
	if (stat(link, &st) || !same_file(&st, id))
		return NULL;
	return strdup(buf);
}

/* The path of any other descriptor of @pid that is the file @id. */
static char *other_fd_path(pid_t pid, int skip, const struct file_id *id)
{
	char dir[64], *path = NULL;
	struct dirent *d;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return NULL;
	while (!path && (d = readdir(fds))) {
		if (!isdigit((unsigned char)d->d_name[0]) ||
		    atoi(d->d_name) == skip)
			continue;
		path = fd_path(pid, atoi(d->d_name), id);
	}
	closedir(fds);
	return path;
}

/* The path of a mapping of @pid that is the file @id. */
static char *map_path(pid_t pid, const struct file_id *id)
{
	unsigned int maj, min;
	char name[64], *line = NULL, *path = NULL, *p;
	unsigned long ino;
	size_t cap = 0;
	struct stat st;
	FILE *maps;
	int off;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	maps = fopen(name, "re");
	if (!maps)
		return NULL;
	while (!path && getline(&line, &cap, maps) > 0) {
		off = 0;
		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %lu %n", &maj, &min,
			   &ino, &off) != 3 || !off || maj != id->maj ||
		    min != id->min || ino != id->ino)
			continue;
		p = line + off;
		p[strcspn(p, "\n")] = '\0';
		if (p[0] == '/' && !stat(p, &st) && same_file(&st, id))
			path = strdup(p);
	}
	free(line);
	fclose(maps);
	return path;
}

/*
 * The path of file @id as lslocks finds it: /proc/PID/fd/FD when that
 * descriptor still is the file, else another descriptor or a mapping of
 * the process that is; NULL when none is.  A negative @pid is a process
 * group: its leader is asked.
 */
static char *resolve_path(pid_t pid, int fd, const struct file_id *id)
{
	char *path = NULL;

	if (pid < 0)
		pid = -pid;
	if (!pid)
		return NULL;
	if (fd >= 0)
		path = fd_path(pid, fd, id);
	if (!path)
		path = other_fd_path(pid, fd, id);
	if (!path)
		path = map_path(pid, id);
	return path;
}

/* list */

struct lease {
	unsigned long long id;
	int owner, fd;
	struct file_id file;
	char mode[16], state[16];
	unsigned int ms;
	int pins;
	long pages;
};

/* One line of /proc/fs/layoutlease/leases. */
static bool parse_lease(const char *line, struct lease *l)
{
	int end = 0;

	if (sscanf(line, "%llu %d %d %u:%u:%lu %15s %15s %u %d %ld%n", &l->id,
		   &l->owner, &l->fd, &l->file.maj, &l->file.min, &l->file.ino,
		   l->mode, l->state, &l->ms, &l->pins, &l->pages, &end) != 11)
		return false;
	return end && line[end] == '\0';
}

/*
 * Every lease of /proc/fs/layoutlease/leases; returns how many.  On a
 * failure, exit with a message if @must, else return none.
 */
static size_t load_leases(struct lease **leases, bool must)
{
	char *buf = read_proc("leases", must), *line, *save;
	size_t n = 0, max = 1;

	*leases = NULL;
	if (!buf)
		return 0;
	for (line = buf; *line; line++)
		max += *line == '\n';
	*leases = calloc(max, sizeof(**leases));
	if (!*leases) {
		if (must)
			err(EXIT_FAILURE, "cannot list the leases");
		free(buf);
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_lease(line, &(*leases)[n]))
			n++;
		else
			warnx("ignoring a line of " LL_PROC "/leases: %s", line);
	}
	free(buf);
	return n;
}

/* Tables: list, pins and stats through libsmartcols */

struct colinfo {
	const char *name;	/* heading, and the name --output takes */
	const char *json;	/* its key in JSON */
	double whint;		/* width hint, as libsmartcols takes it */
	int flags;		/* SCOLS_FL_* */
	int json_type;		/* SCOLS_JSON_* */
};

/* The columns of a command, and those it shows when not told. */
struct columns {
	const struct colinfo *info;
	size_t n;
	const char *table, *json;	/* --output lists */
};

#define MAX_COLUMNS	16

struct list_opts {
	bool table;		/* --noheadings and --output apply */
	bool json, raw, noheadings;
	const char *output;	/* --output COLUMNS, or NULL */
};

/* Options of list, pins and stats; false after printing the help. */
static bool parse_list_opts(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "raw", no_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "Jnro:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			o->json = true;
			break;
		case 'n':
			o->noheadings = true;
			break;
		case 'r':
			o->raw = true;
			break;
		case 'o':
			if (!o->table)
				bad_usage(EXIT_USAGE, "no --output here");
			o->output = optarg;
			break;
		case 'h':
			usage(stdout);
			return false;
		default:
			bad_usage(EXIT_USAGE, NULL);
		}
	}
	if (optind < argc)
		bad_usage(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return true;
}

/* A table being filled: its columns, in the order they are shown. */
struct table {
	const struct colinfo *info;
	size_t ninfo;
	int cols[MAX_COLUMNS];
	size_t ncols;
	bool json;
	struct libscols_table *tb;
	struct libscols_line *line;
};

/* The column named @name (its heading or JSON key, in any case), or -1. */
static int column_id(const struct colinfo *info, size_t n, const char *name,
		     size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((!strncasecmp(name, info[i].name, len) &&
		     !info[i].name[len]) ||
		    (!strncasecmp(name, info[i].json, len) && !info[i].json[len]))
			return i;
	return -1;
}

/* The columns of --output @list, separated by commas; exit 2 if unknown. */
static void parse_columns(struct table *t, const char *list)
{
	const char *p = list;
	size_t len;
	int id;

	t->ncols = 0;
	for (;;) {
		len = strcspn(p, ",");
		id = column_id(t->info, t->ninfo, p, len);
		if (id < 0)
			bad_usage(EXIT_USAGE, "unknown column: %.*s", (int)len, p);
		if (t->ncols == MAX_COLUMNS)
			bad_usage(EXIT_USAGE, "too many columns: %s", list);
		t->cols[t->ncols++] = id;
		if (!p[len])
			break;
		p += len + 1;
	}
}

/* A table named @name with the columns of @cols that @o asks for. */
static void table_init(struct table *t, const struct list_opts *o,
		       const char *name, const struct columns *cols)
{
	struct libscols_column *cl;
	const struct colinfo *ci;
	size_t i;

	t->info = cols->info;
	t->ninfo = cols->n;
	t->json = o->json;
	parse_columns(t, o->output ? o->output :
			 o->json ? cols->json : cols->table);
	t->tb = scols_new_table();
	if (!t->tb)
		err(EXIT_FAILURE, "cannot create the table");
	scols_table_set_name(t->tb, name);
	scols_table_enable_json(t->tb, o->json);
	scols_table_enable_raw(t->tb, o->raw);
	scols_table_enable_noheadings(t->tb, o->noheadings);
	for (i = 0; i < t->ncols; i++) {
		ci = &t->info[t->cols[i]];
		/* JSON keys are the headings, lowercased */
		cl = scols_table_new_column(t->tb, o->json ? ci->json : ci->name,
					    ci->whint, ci->flags |
					    (o->json && ci->json_type ==
					     SCOLS_JSON_ARRAY_STRING ?
					     SCOLS_FL_WRAP : 0));
		if (!cl)
			err(EXIT_FAILURE, "cannot create the table");
		if (o->json)
			scols_column_set_json_type(cl, ci->json_type);
		if (o->json && ci->json_type == SCOLS_JSON_ARRAY_STRING)
			/* the elements of an array are a cell's lines */
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
	}
}

/*
 * A copy of @s that is valid UTF-8, for JSON: a byte that is not part of
 * a UTF-8 character becomes the text \xHH, and a backslash before an x
 * becomes \x5c, as libsmartcols shows them in tables.
 */
static char *json_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf = malloc(strlen(s) * 4 + 1), *q = buf;
	int n;

	if (!buf)
		err(EXIT_FAILURE, "cannot build the table");
	while (*p) {
		n = *p < 0x80 ? 1 : utf8_len(p);
		if (n && !(*p == '\\' && p[1] == 'x')) {
			memcpy(q, p, n);
			q += n;
			p += n;
		} else {
			q += sprintf(q, "\\x%02x", *p++);
		}
	}
	*q = '\0';
	return buf;
}

/* Start a line of the table. */
static void table_line(struct table *t)
{
	t->line = scols_table_new_line(t->tb, NULL);
	if (!t->line)
		err(EXIT_FAILURE, "cannot build the table");
}

/* Set column @i of the line to @s (NULL: empty, null in JSON); frees @s. */
static void table_cell(struct table *t, size_t i, char *s)
{
	char *safe;

	if (s && t->json &&
	    t->info[t->cols[i]].json_type != SCOLS_JSON_NUMBER) {
		safe = json_safe(s);
		free(s);
		s = safe;
	}
	if (scols_line_refer_data(t->line, i, s))
		err(EXIT_FAILURE, "cannot build the table");
}

/* A cell from a format; never NULL. */
static char *cellf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static char *cellf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		err(EXIT_FAILURE, "cannot build the table");
	return s;
}

static char *cell_dup(const char *s)
{
	return s ? cellf("%s", s) : NULL;
}

/*
 * The cell of file @id that @what names: 'd' its device, 'i' its inode,
 * 'p' its @path, or the three in a table when it has none (null in JSON).
 */
static char *file_cell(const struct table *t, char what,
		       const struct file_id *id, const char *path)
{
	if (what == 'd')
		return cellf("%u:%u", id->maj, id->min);
	if (what == 'i')
		return cellf("%lu", id->ino);
	if (path || t->json)
		return cell_dup(path);
	return cellf("%u:%u:%lu", id->maj, id->min, id->ino);
}

/* Print the table and free it; the exit status. */
static int table_print(struct table *t)
{
	int status = EXIT_SUCCESS;

	if (scols_print_table(t->tb))
		warnx("cannot print the table");
	scols_unref_table(t->tb);
	flush_out(&status);
	return status;
}

/* list */

enum {
	LEASE_ID, LEASE_PID, LEASE_COMM, LEASE_FD, LEASE_DEV, LEASE_INO,
	LEASE_MODE, LEASE_STATE, LEASE_BREAK,	LEASE_PINS, LEASE_PAGES, LEASE_PATH,
};

#define NUM	SCOLS_JSON_NUMBER
#define STR	SCOLS_JSON_STRING

static const struct colinfo lease_info[] = {
	[LEASE_ID] = { "ID", "id", 5, SCOLS_FL_RIGHT, NUM },
	[LEASE_PID] = { "PID", "pid", 7, SCOLS_FL_RIGHT, NUM },
	[LEASE_COMM] = { "COMMAND", "comm", 15, SCOLS_FL_TRUNC, STR },
	[LEASE_FD] = { "FD", "fd", 3, SCOLS_FL_RIGHT, NUM },
	[LEASE_DEV] = { "DEV", "dev", 6, 0, STR },
	[LEASE_INO] = { "INO", "ino", 8, SCOLS_FL_RIGHT, NUM },
	[LEASE_PATH] = { "PATH", "path", 0.5, SCOLS_FL_NOEXTREMES, STR },
	[LEASE_MODE] = { "MODE", "mode", 9, 0, STR },
	[LEASE_STATE] = { "STATE", "state", 8, 0, STR },
	[LEASE_BREAK] = { "BREAK", "break_ms", 8, SCOLS_FL_RIGHT, NUM },
	[LEASE_PINS] = { "PINS", "pins", 4, SCOLS_FL_RIGHT, NUM },
	[LEASE_PAGES] = { "PAGES", "pages", 7, SCOLS_FL_RIGHT, NUM },
};

static const struct columns lease_cols = {
	lease_info, ARRAY_SIZE(lease_info),
	"ID,PID,COMMAND,MODE,STATE,BREAK,PINS,PAGES,PATH",
	"id,pid,comm,fd,dev,ino,path,mode,state,break_ms,pins,pages",
};

static char *lease_cell(const struct table *t, int col, const struct lease *l,
			const char *comm, const char *path)
{
	switch (col) {
	case LEASE_ID:
		return cellf("%llu", l->id);
	case LEASE_PID:
		return cellf("%d", l->owner);
	case LEASE_COMM:
		return cell_dup(comm ? comm : t->json ? NULL : "?");
	case LEASE_FD:
		return cellf("%d", l->fd);
	case LEASE_DEV:
	case LEASE_INO:
	case LEASE_PATH:
		return file_cell(t, col == LEASE_DEV ? 'd' :
				    col == LEASE_INO ? 'i' : 'p', &l->file, path);
	case LEASE_MODE:
		return cell_dup(l->mode);
	case LEASE_STATE:
		return cell_dup(l->state);
	case LEASE_BREAK:
		if (t->json)
			return cellf("%u", l->ms);
		if (!strcmp(l->state, "active"))
			return cell_dup("-");
		return cellf("%u.%03us", l->ms / 1000, l->ms % 1000);
	case LEASE_PINS:
		return cellf("%d", l->pins);
	default:
		return cellf("%ld", l->pages);
	}
}

static int cmd_list(int argc, char **argv)
{
	struct list_opts o = { .table = true };
	struct table t;
	struct lease *leases;
	char comm[64], *path;
	size_t i, c, n;
	bool known;

	if (!parse_list_opts(argc, argv, &o))
		return EXIT_SUCCESS;
	table_init(&t, &o, "leases", &lease_cols);
	need_module(EXIT_NO_MODULE);
	n = load_leases(&leases, true);
	for (i = 0; i < n; i++) {
		struct lease *l = &leases[i];

		known = read_comm(l->owner < 0 ? -l->owner : l->owner, comm,
				  sizeof(comm));
		path = resolve_path(l->owner, l->fd, &l->file);
		table_line(&t);
		for (c = 0; c < t.ncols; c++)
			table_cell(&t, c, lease_cell(&t, t.cols[c], l,
						     known ? comm : NULL, path));
		free(path);
	}
	free(leases);
	return table_print(&t);
}

/* pins */

struct pin {
	unsigned long long umem;
	int pid;
	char comm[32];
	struct file_id file;
	long long start, end;
	unsigned long pages;
	char lease[24];
	unsigned int access;
};

static const char * const access_names[] = {
	"local_write", "remote_write", "remote_read", "remote_atomic",
	"mw_bind", "zero_based", "on_demand", "hugetlb", "flush_global",
	"flush_persistent",
};

#define ACCESS_RELAXED_ORDERING	0x100000	/* IB_ACCESS_RELAXED_ORDERING */

/* The rest of a pin record after its command name's ')'. */
static int parse_pin_tail(const char *p, struct pin *pin)
{
	int end = 0;

	if (sscanf(p, ") %u:%u:%lu %lld-%lld %lu %23s %x%n", &pin->file.maj,
		   &pin->file.min, &pin->file.ino, &pin->start, &pin->end,
		   &pin->pages, pin->lease, &pin->access, &end) != 8 || !end)
		return 0;
	if (p[end] != '\n' && p[end] != '\0')
		return 0;
	return end + (p[end] == '\n');
}

/*
 * Parse the record at @p of /proc/fs/layoutlease/pins into @pin; returns
 * its length, or 0.  The command name is in parentheses and may hold any
 * byte, ')' and newlines included: it ends at the last ')' within a
 * command name's length after which the rest of a record follows.
 */
static int parse_pin(const char *p, struct pin *pin)
{
	int start = 0, k, tail;

	if (sscanf(p, "%llu %d (%n", &pin->umem, &pin->pid, &start) != 2 ||
	    !start)
		return 0;
	for (k = 0; k < (int)sizeof(pin->comm) - 1 && p[start + k]; k++)
		;
	for (; k >= 0; k--) {
		if (p[start + k] != ')')
			continue;
		tail = parse_pin_tail(p + start + k, pin);
		if (tail) {
			memcpy(pin->comm, p + start, k);
			pin->comm[k] = '\0';
			return start + k + tail;
		}
	}
	return 0;
}

/* Every pin of /proc/fs/layoutlease/pins; returns how many. */
static size_t load_pins(struct pin **pins)
{
	char *buf = read_proc("pins", true), *p = buf, *nl;
	size_t n = 0, max = 1;
	int len;

	for (nl = buf; *nl; nl++)
		max += *nl == '\n';
	*pins = calloc(max, sizeof(**pins));
	if (!*pins)
		err(EXIT_FAILURE, "cannot list the pins");
	while (*p) {
		len = parse_pin(p, &(*pins)[n]);
		if (len) {
			n++;
			p += len;
			continue;
		}
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		warnx("ignoring a line of " LL_PROC "/pins: %s", p);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(buf);
	return n;
}

enum {
	PIN_UMEM, PIN_PID, PIN_COMM, PIN_DEV, PIN_INO, PIN_PATH, PIN_START,
	PIN_END, PIN_RANGE,	PIN_PAGES, PIN_LEASE, PIN_ACCESS, PIN_FLAGS,
};

static const struct colinfo pin_info[] = {
	[PIN_UMEM] = { "UMEM", "umem", 5, SCOLS_FL_RIGHT, NUM },
	[PIN_PID] = { "PID", "pid", 7, SCOLS_FL_RIGHT, NUM },
	[PIN_COMM] = { "COMMAND", "comm", 15, SCOLS_FL_TRUNC, STR },
	[PIN_DEV] = { "DEV", "dev", 6, 0, STR },
	[PIN_INO] = { "INO", "ino", 8, SCOLS_FL_RIGHT, NUM },
	[PIN_PATH] = { "PATH", "path", 0.5, SCOLS_FL_NOEXTREMES, STR },
	[PIN_START] = { "START", "start", 8, SCOLS_FL_RIGHT, NUM },
	[PIN_END] = { "END", "end", 8, SCOLS_FL_RIGHT, NUM },
	[PIN_RANGE] = { "RANGE", "range", 23, 0, STR },
	[PIN_PAGES] = { "PAGES", "pages", 7, SCOLS_FL_RIGHT, NUM },
	[PIN_LEASE] = { "LEASE", "lease", 5, SCOLS_FL_RIGHT, NUM },
	[PIN_ACCESS] = { "ACCESS", "access", 8, SCOLS_FL_RIGHT, NUM },
	[PIN_FLAGS] = { "ACCESS_FLAGS", "access_flags", 20, 0,
		      SCOLS_JSON_ARRAY_STRING },
};

#undef NUM
#undef STR

static const struct columns pin_cols = {
	pin_info, ARRAY_SIZE(pin_info),
	"UMEM,PID,COMMAND,RANGE,PAGES,LEASE,ACCESS,PATH",
	"umem,pid,comm,dev,ino,path,start,end,pages,lease,access,access_flags",
};

/* The names of the access flags, one a line in JSON, else with commas. */
static char *access_names_cell(const struct table *t, unsigned int access)
{
	const char *sep = t->json ? "\n" : ",";
	char buf[256] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(access_names); i++) {
		if (!(access & (1u << i)))
			continue;
		if (buf[0])
			strcat(buf, sep);
		strcat(buf, access_names[i]);
	}
	if (access & ACCESS_RELAXED_ORDERING)
		strcat(strcat(buf, buf[0] ? sep : ""), "relaxed_ordering");
	return buf[0] ? cell_dup(buf) : NULL;
}

static char *pin_cell(const struct table *t, int col, const struct pin *pin,
		      const char *path)
{
	switch (col) {
	case PIN_UMEM:
		return cellf("%llu", pin->umem);
	case PIN_PID:
		return cellf("%d", pin->pid);
	case PIN_COMM:
		return cell_dup(pin->comm);
	case PIN_DEV:
	case PIN_INO:
	case PIN_PATH:
		return file_cell(t, col == PIN_DEV ? 'd' :
				    col == PIN_INO ? 'i' : 'p', &pin->file, path);
	case PIN_START:
		return cellf("%lld", pin->start);
	case PIN_END:
		return cellf("%lld", pin->end);
	case PIN_RANGE:
		return cellf("%lld-%lld", pin->start, pin->end);
	case PIN_PAGES:
		return cellf("%lu", pin->pages);
	case PIN_LEASE:
		/* a number, or "-" for none: null in JSON */
		if (t->json && strspn(pin->lease, "0123456789") !=
			       strlen(pin->lease))
			return NULL;
		return cell_dup(pin->lease);
	case PIN_ACCESS:
		return cellf(t->json ? "%u" : "%#x", pin->access);
	default:
		return access_names_cell(t, pin->access);
	}
}

static int cmd_pins(int argc, char **argv)
{
	struct list_opts o = { .table = true };
	struct table t;
	struct pin *pins;
	size_t i, c, n;
	char *path;

	if (!parse_list_opts(argc, argv, &o))
		return EXIT_SUCCESS;
	table_init(&t, &o, "pins", &pin_cols);
	need_module(EXIT_NO_MODULE);
	n = load_pins(&pins);
	for (i = 0; i < n; i++) {
		path = resolve_path(pins[i].pid, -1, &pins[i].file);
		table_line(&t);
		for (c = 0; c < t.ncols; c++)
			table_cell(&t, c, pin_cell(&t, t.cols[c], &pins[i],
						   path));
		free(path);
	}
	free(pins);
	return table_print(&t);
}

/* stats */

static const struct colinfo stat_info[] = {
	{ "NAME", "name", 14, 0, SCOLS_JSON_STRING },
	{ "VALUE", "value", 8, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER },
};

static const struct columns stat_cols = {
	stat_info, ARRAY_SIZE(stat_info), "NAME,VALUE", "NAME,VALUE",
};

/*
 * The counters as JSON: one object, a member for each, its value a
 * number, or a string if it is none.  Their names are the module's
 * identifiers; a table's rows cannot become an object's members.
 */
static void stat_json(const char *name, const char *value, bool first)
{
	char *end;

	printf("%s  ", first ? "{\n" : ",\n");
	json_string(name);
	fputs(": ", stdout);
	strtoll(value, &end, 10);
	if (*value && !*end)
		fputs(value, stdout);
	else
		json_string(value);
}

static int cmd_stats(int argc, char **argv)
{
	struct list_opts o = { .table = false };
	char *buf, *line, *save, *value;
	int status = EXIT_SUCCESS;
	struct table t;
	bool first = true;

	if (!parse_list_opts(argc, argv, &o))
		return EXIT_SUCCESS;
	if (!o.json)
		table_init(&t, &o, "stats", &stat_cols);
	need_module(EXIT_NO_MODULE);
	buf = read_proc("stats", true);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		value = strchr(line, ' ');
		if (!value) {
			warnx("ignoring a line of " LL_PROC "/stats: %s", line);
			continue;
		}
		*value++ = '\0';
		if (o.json) {
			stat_json(line, value, first);
		} else {
			table_line(&t);
			table_cell(&t, 0, cell_dup(line));
			table_cell(&t, 1, cell_dup(value));
		}
		first = false;
	}
	free(buf);
	if (!o.json)
		return table_print(&t);
	printf("%s}\n", first ? "{\n" : "\n");
	flush_out(&status);
	return status;
}

/* break: an administrator ends a lease */
static int cmd_break(int argc, char **argv)
{
	unsigned long long id;
	char *end;
	FILE *f;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (argc != 2)
		bad_usage(EXIT_USAGE, "break needs one lease ID");
	errno = 0;
	id = strtoull(argv[1], &end, 10);
	if (errno || *end || end == argv[1])
		bad_usage(EXIT_USAGE, "not a lease ID: '%s'", argv[1]);
	need_module(EXIT_NO_MODULE);
	f = fopen(LL_PROC "/break", "w");
	if (!f || fprintf(f, "%llu\n", id) < 0 || fclose(f)) {
		if (errno == ENOENT)
			errx(EXIT_FAILURE, "no lease %llu", id);
		err(EXIT_FAILURE, "cannot break lease %llu", id);
	}
	return EXIT_SUCCESS;
}

/* hold */

struct hold {
	const char *file;
	bool exclusive, keep, broken;
	int fd, sfd;
	unsigned long long id;
	pid_t child;
	sigset_t old_mask;
};

/* The signal breaks are delivered with: queued, and carrying si_fd. */
#define HOLD_SIG	SIGRTMIN

static void hold_parse(struct hold *h, int argc, char **argv, char ***cmd)
{
	static const struct option longopts[] = {
		{ "exclusive", no_argument, NULL, 'x' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+xkh", longopts, NULL)) != -1) {
		switch (c) {
		case 'x':
			h->exclusive = true;
			break;
		case 'k':
			h->keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			bad_usage(EXIT_HOLD_FAILED, NULL);
		}
	}
	if (optind >= argc)
		bad_usage(EXIT_HOLD_FAILED, "hold needs a FILE");
	h->file = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		bad_usage(EXIT_HOLD_FAILED, "hold needs a COMMAND");
	*cmd = argv + optind;
}

/* The id of the lease this process holds through @fd, or 0. */
static unsigned long long own_lease_id(int fd)
{
	unsigned long long id = 0;
	struct lease *leases;
	struct stat st;
	size_t i, n;

	if (fstat(fd, &st))
		return 0;
	n = load_leases(&leases, false);
	for (i = 0; i < n; i++)
		if (leases[i].owner == getpid() && leases[i].fd == fd &&
		    same_file(&st, &leases[i].file))
			id = leases[i].id;
	free(leases);
	return id;
}

static void hold_lease(struct hold *h)
{
	int arg = F_LAYOUT | F_RDLCK | (h->exclusive ? F_EXCLUSIVE : 0);
	const char *mode = h->exclusive ? "an exclusive" : "a shared";
	const char *hint = "";

	h->fd = open(h->file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (h->fd < 0)
		err(EXIT_HOLD_FAILED, "cannot open %s", h->file);
	if (fcntl(h->fd, F_SETSIG, HOLD_SIG) ||
	    fcntl(h->fd, F_SETOWN, getpid()))
		err(EXIT_HOLD_FAILED, "cannot direct the break signal of %s",
		    h->file);
	if (!fcntl(h->fd, F_SETLEASE, arg)) {
		h->id = own_lease_id(h->fd);
		return;
	}
	if (errno == EAGAIN)
		hint = " (another lease conflicts, or the layout is changing)";
	else if (errno == EINVAL)
		hint = " (not a regular file, or hook_fcntl=0)";
	err(EXIT_HOLD_FAILED, "cannot take %s layout lease on %s%s", mode,
	    h->file, hint);
}

static void hold_spawn(struct hold *h, char **cmd)
{
	h->child = fork();
	if (h->child < 0)
		err(EXIT_HOLD_FAILED, "cannot fork");
	if (h->child)
		return;
	sigprocmask(SIG_SETMASK, &h->old_mask, NULL);
	execvp(cmd[0], cmd);
	warn("cannot run %s", cmd[0]);
	_exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* Is @si the break of our lease?  SIGIO comes if the queue was full. */
static bool hold_is_break(struct hold *h, const struct signalfd_siginfo *si)
{
	int type;

	if (h->broken)
		return false;
	if ((int)si->ssi_signo == HOLD_SIG)
		return si->ssi_code == POLL_MSG && (int)si->ssi_fd == h->fd;
	type = fcntl(h->fd, F_GETLEASE);
	return type >= 0 && (type & F_LAYOUT) &&
	       (type & ~(F_LAYOUT | F_EXCLUSIVE)) == F_UNLCK;
}

static void hold_broken(struct hold *h)
{
	char when[64], lease[40] = "lease";
	struct timespec now;

	h->broken = true;
	clock_gettime(CLOCK_REALTIME, &now);
	format_time(when, sizeof(when), &now);
	if (h->id)
		snprintf(lease, sizeof(lease), "lease %llu", h->id);
	if (h->keep) {
		fprintf(stderr, "%s: %s on %s broken at %s; kept until the break timeout\n",
			prog, lease, h->file, when);
		return;
	}
	if (fcntl(h->fd, F_SETLEASE, F_UNLCK))
		warn("%s on %s broken at %s; cannot release it", lease,
		     h->file, when);
	else
		fprintf(stderr, "%s: %s on %s broken at %s; released\n", prog,
			lease, h->file, when);
}

/*
 * Reap COMMAND if it has ended (wait for it if @block): true, with its
 * exit status as a shell reports it in @status.
 */
static bool hold_reaped(struct hold *h, bool block, int *status)
{
	pid_t pid;
	int st;

	do {
		pid = waitpid(h->child, &st, block ? 0 : WNOHANG);
	} while (pid < 0 && errno == EINTR);
	if (pid < 0) {
		warn("cannot wait for COMMAND");
		*status = EXIT_HOLD_FAILED;
		return true;
	}
	if (pid != h->child || !(WIFEXITED(st) || WIFSIGNALED(st)))
		return false;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return true;
}

static int hold_wait(struct hold *h)
{
	struct signalfd_siginfo si;
	int status;
	ssize_t n;

	for (;;) {
		n = read(h->sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si)) {
			warn("cannot read signals; no more breaks are reported");
			while (!hold_reaped(h, true, &status))
				;
			return status;
		}
		if ((int)si.ssi_signo == HOLD_SIG || si.ssi_signo == SIGIO) {
			if (hold_is_break(h, &si))
				hold_broken(h);
		} else if (si.ssi_signo == SIGCHLD) {
			if (hold_reaped(h, false, &status))
				return status;
		} else if (si.ssi_code != SI_KERNEL) {
			/* sent to us alone; a terminal signals the child too */
			kill(h->child, si.ssi_signo);
		}
	}
}

static int cmd_hold(int argc, char **argv)
{
	static const int sigs[] = { SIGCHLD, SIGIO, SIGINT, SIGTERM, SIGHUP,
				    SIGQUIT };
	struct hold h = { .fd = -1 };
	sigset_t mask;
	char **cmd;
	size_t i;

	hold_parse(&h, argc, argv, &cmd);
	need_module(EXIT_HOLD_FAILED);
	sigemptyset(&mask);
	sigaddset(&mask, HOLD_SIG);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &mask, &h.old_mask))
		err(EXIT_HOLD_FAILED, "cannot block signals");
	h.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (h.sfd < 0)
		err(EXIT_HOLD_FAILED, "cannot create a signalfd");
	hold_lease(&h);
	hold_spawn(&h, cmd);
	return hold_wait(&h);
}

/* watch */

#define WATCH_CACHE	32

struct watch {
	bool json, mono, mounted, made, enabled;
	long long offset;	/* ns, CLOCK_REALTIME less CLOCK_MONOTONIC */
	long count;
	int status;
	char tracefs[64];
	char inst[PATH_MAX - 64];
	int pipe, sfd;
	/* the paths of leases seen, to name files after their release */
	struct {
		unsigned long long id;
		char *path;
	} cache[WATCH_CACHE];
	unsigned int next;
};

struct event {
	char name[16];
	unsigned long long id;
	int setter;
	struct file_id file;
	char mode[16];
	char task[32];
	int task_pid;
	struct timespec time;
};

static const char * const tracefs_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static bool is_tracefs(const char *dir)
{
	struct statfs sf;

	return !statfs(dir, &sf) && sf.f_type == TRACEFS_MAGIC;
}

/* Where tracefs is; mount it if it is nowhere and we may. */
static int find_tracefs(struct watch *w)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracefs_dirs); i++) {
		if (is_tracefs(tracefs_dirs[i])) {
			strcpy(w->tracefs, tracefs_dirs[i]);
			return 0;
		}
	}
	strcpy(w->tracefs, tracefs_dirs[0]);
	if (geteuid()) {
		warnx("tracefs is not mounted; as root: mount -t tracefs nodev %s",
		      w->tracefs);
		return -1;
	}
	if (mount("nodev", w->tracefs, "tracefs", 0, NULL)) {
		warn("cannot mount tracefs on %s", w->tracefs);
		return -1;
	}
	w->mounted = true;
	return 0;
}

static void inst_file(const struct watch *w, char *buf, size_t len,
		      const char *name)
{
	snprintf(buf, len, "%s/%s", w->inst, name);
}

/* Write @val to the tracefs file @path; 0 or -errno. */
static int put_file(const char *path, const char *val)
{
	ssize_t len = strlen(val), n;
	int fd, ret;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	ret = n == len ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

static int make_instance(struct watch *w)
{
	int ret;

	snprintf(w->inst, sizeof(w->inst), "%s/instances/layoutlease-%d",
		 w->tracefs, getpid());
	ret = mkdir(w->inst, 0700);
	/* left by an earlier watch of the same pid that was killed */
	if (ret && errno == EEXIST && !rmdir(w->inst))
		ret = mkdir(w->inst, 0700);
	if (ret) {
		if (errno == EACCES || errno == EPERM)
			warn("cannot create the trace instance %s (watch needs root)",
			     w->inst);
		else
			warn("cannot create the trace instance %s", w->inst);
		return -1;
	}
	w->made = true;
	return 0;
}

static long long ts_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/*
 * CLOCK_REALTIME less CLOCK_MONOTONIC, once for the whole watch, so that
 * events keep the trace's order: from the tightest of a few readings of
 * the one between two of the other, as a preemption between two readings
 * (a VM's vCPU descheduled) would shift it by as long as it lasts.
 */
static long long wall_offset(void)
{
	long long gap, best = 0, min_gap = LLONG_MAX;
	struct timespec m1, r, m2;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		gap = ts_ns(&m2) - ts_ns(&m1);
		if (gap < min_gap) {
			min_gap = gap;
			best = ts_ns(&r) - ts_ns(&m1) - gap / 2;
		}
	}
	return best;
}

static int watch_setup(struct watch *w)
{
	char path[PATH_MAX];
	int ret;

	if (find_tracefs(w) || make_instance(w))
		return -1;
	/* a clock user space can read, so that times are wall-clock times */
	inst_file(w, path, sizeof(path), "trace_clock");
	w->mono = !put_file(path, "mono");
	w->offset = wall_offset();
	inst_file(w, path, sizeof(path), "trace_pipe");
	w->pipe = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->pipe < 0) {
		warn("cannot open %s", path);
		return -1;
	}
	inst_file(w, path, sizeof(path), "events/layoutlease/enable");
	ret = put_file(path, "1");
	if (ret) {
		errno = -ret;
		warn("cannot enable the layoutlease events (%s)", path);
		return -1;
	}
	w->enabled = true;
	fprintf(stderr, "%s: watching layoutlease events in %s\n", prog,
		w->inst);
	return 0;
}

static void watch_cleanup(struct watch *w)
{
	char path[PATH_MAX];
	unsigned int i;
	int ret;

	if (w->pipe >= 0)
		close(w->pipe);
	if (w->enabled) {
		inst_file(w, path, sizeof(path), "events/layoutlease/enable");
		ret = put_file(path, "0");
		if (ret && ret != -ENOENT) {
			errno = -ret;
			warn("cannot disable %s", path);
		}
	}
	if (w->made && rmdir(w->inst))
		warn("cannot remove the trace instance %s", w->inst);
	if (w->mounted && umount(w->tracefs))
		warn("cannot unmount %s", w->tracefs);
	for (i = 0; i < WATCH_CACHE; i++)
		free(w->cache[i].path);
}

/* The trace's clock time @secs.@usecs as wall-clock time. */
static void event_time(const struct watch *w, unsigned long secs,
		       unsigned long usecs, struct timespec *t)
{
	long long ns;

	if (!w->mono) {
		clock_gettime(CLOCK_REALTIME, t);
		return;
	}
	ns = w->offset + (long long)secs * 1000000000LL + usecs * 1000LL;
	t->tv_sec = ns / 1000000000LL;
	t->tv_nsec = ns % 1000000000LL;
}

/*
 * The context before an event's fields: "COMM-PID [CPU] FLAGS SECS.USECS",
 * with "(TGID) " after PID when record-tgid is on.  COMM may hold spaces
 * and brackets, so it is parsed from the right.
 */
static bool parse_context(const struct watch *w, char *line, struct event *e)
{
	unsigned long secs, usecs;
	char *p = strrchr(line, ' '), *q;

	/* a clock that is not in nanoseconds prints no fraction */
	usecs = 0;
	if (!p || sscanf(p + 1, "%lu.%lu", &secs, &usecs) < 1)
		return false;
	event_time(w, secs, usecs, &e->time);
	*p = '\0';
	p = strrchr(line, '[');
	if (!p)
		return false;
	while (p > line && p[-1] == ' ')
		p--;
	if (p > line && p[-1] == ')') {
		q = memrchr(line, '(', p - line);
		if (!q)
			return false;
		for (p = q; p > line && p[-1] == ' '; p--)
			;
	}
	for (q = p; q > line && isdigit((unsigned char)q[-1]); q--)
		;
	if (q == p || q == line || q[-1] != '-')
		return false;
	e->task_pid = atoi(q);
	q[-1] = '\0';
	for (p = line; *p == ' '; p++)
		;
	q = p + strnlen(p, sizeof(e->task) - 1);
	memcpy(e->task, p, q - p);
	e->task[q - p] = '\0';
	return true;
}

/* One line of trace_pipe; false for a line that is not an event. */
static bool parse_event(const struct watch *w, char *line, struct event *e)
{
	static const char mark[] = ": layoutlease_";
	char *at = NULL, *p;

	/* the last mark: a command name before it may contain one */
	for (p = line; (p = strstr(p, mark)); p++)
		at = p;
	if (!at || sscanf(at + strlen(mark),
			  "%15[a-z_]: lease=%llu pid=%d dev=%u:%u ino=%lu mode=%15s",
			  e->name, &e->id, &e->setter, &e->file.maj,
			  &e->file.min, &e->file.ino, e->mode) != 7)
		return false;
	*at = '\0';
	return parse_context(w, line, e);
}

/* The path of the lease of @e, looked up once while it is listed. */
static const char *event_path(struct watch *w, const struct event *e)
{
	struct lease *leases;
	unsigned int i;
	size_t n;
	char *path = NULL;

	for (i = 0; i < WATCH_CACHE; i++)
		if (w->cache[i].path && w->cache[i].id == e->id)
			return w->cache[i].path;
	n = load_leases(&leases, false);
	for (i = 0; i < n && !path; i++)
		if (leases[i].id == e->id)
			path = resolve_path(leases[i].owner, leases[i].fd,
					    &leases[i].file);
	free(leases);
	if (!path)
		return NULL;
	i = w->next++ % WATCH_CACHE;
	free(w->cache[i].path);
	w->cache[i].id = e->id;
	w->cache[i].path = path;
	return path;
}

static void event_forget(struct watch *w, unsigned long long id)
{
	unsigned int i;

	for (i = 0; i < WATCH_CACHE; i++) {
		if (w->cache[i].path && w->cache[i].id == id) {
			free(w->cache[i].path);
			w->cache[i].path = NULL;
		}
	}
}

static void event_json(const struct event *e, const char *when,
		       const char *path)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", e->file.maj, e->file.min);
	putchar('{');
	json_key("time", true);
	json_string(when);
	json_key_string("event", e->name);
	json_key("lease", false);
	printf("%llu", e->id);
	json_key_string("mode", e->mode);
	json_key("setter_pid", false);
	printf("%d", e->setter);
	json_key_string("task_comm", e->task[0] ? e->task : NULL);
	json_key("task_pid", false);
	printf("%d", e->task_pid);
	json_key_string("dev", dev);
	json_key("ino", false);
	printf("%lu", e->file.ino);
	json_key_string("path", path);
	printf("}\n");
}

static void event_text(const struct event *e, const char *when,
		       const char *path)
{
	printf("%s %-7s lease=%llu mode=%s setter=%d task=", when, e->name,
	       e->id, e->mode, e->setter);
	put_visible(e->task[0] ? e->task : "?", 0);
	printf("[%d] dev=%u:%u ino=%lu", e->task_pid, e->file.maj,
	       e->file.min, e->file.ino);
	if (path) {
		fputs(" path=", stdout);
		put_visible(path, 0);
	}
	putchar('\n');
}

/*
 * Print the event on @line: 1 for an event, 0 for another line, -1 when
 * the output failed (the exit status is then in w->status).
 */
static int watch_line(struct watch *w, char *line)
{
	unsigned long lost;
	struct event e;
	const char *path;
	char when[64];
	int cpu;

	if (sscanf(line, "CPU:%d [LOST %lu EVENTS]", &cpu, &lost) == 2) {
		warnx("%lu events lost on CPU %d", lost, cpu);
		return 0;
	}
	if (!parse_event(w, line, &e))
		return 0;
	/* the trace records command names lazily, at the next task switch */
	if (!strcmp(e.task, "<...>") &&
	    !read_comm(e.task_pid, e.task, sizeof(e.task)))
		e.task[0] = '\0';
	path = event_path(w, &e);
	format_time(when, sizeof(when), &e.time);
	if (w->json)
		event_json(&e, when, path);
	else
		event_text(&e, when, path);
	if (!strcmp(e.name, "release"))
		event_forget(w, e.id);
	return flush_out(&w->status) ? 1 : -1;
}

/* Read trace_pipe until a signal, or until --count events were seen. */
static int watch_loop(struct watch *w)
{
	struct pollfd p[2] = {
		{ .fd = w->pipe, .events = POLLIN },
		{ .fd = w->sfd, .events = POLLIN },
	};
	char buf[16384], *line, *nl;
	long seen = 0;
	size_t len = 0;
	ssize_t n;
	int ret;

	while (!w->count || seen < w->count) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn("cannot wait for events");
			return EXIT_FAILURE;
		}
		if (p[1].revents)
			return EXIT_SUCCESS;
		n = read(w->pipe, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			warn("cannot read %s/trace_pipe", w->inst);
			return EXIT_FAILURE;
		}
		len += n;
		buf[len] = '\0';
		for (line = buf; (!w->count || seen < w->count) &&
		     (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			ret = watch_line(w, line);
			if (ret < 0)
				return w->status;
			seen += ret;
		}
		len -= line - buf;
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1)
			len = 0;	/* no line is that long: drop it */
	}
	return EXIT_SUCCESS;
}

static void watch_parse(struct watch *w, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "Jc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			w->json = true;
			break;
		case 'c':
			errno = 0;
			w->count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || w->count <= 0)
				bad_usage(EXIT_USAGE, "invalid count '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			bad_usage(EXIT_USAGE, NULL);
		}
	}
	if (optind < argc)
		bad_usage(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
}

static int cmd_watch(int argc, char **argv)
{
	struct watch w = { .pipe = -1 };
	sigset_t mask;
	int ret = EXIT_FAILURE;

	watch_parse(&w, argc, argv);
	need_module(EXIT_NO_MODULE);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		err(EXIT_FAILURE, "cannot block signals");
	w.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (w.sfd < 0)
		err(EXIT_FAILURE, "cannot create a signalfd");
	if (!watch_setup(&w))
		ret = watch_loop(&w);
	watch_cleanup(&w);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "pins", cmd_pins },
	{ "stats", cmd_stats },
	{ "break", cmd_break },
	{ "hold", cmd_hold },
	{ "watch", cmd_watch },
};

int main(int argc, char **argv)
{
	int status = EXIT_SUCCESS;
	static char name[64];
	size_t i;

	/* what libsmartcols takes for a printable character */
	setlocale(LC_CTYPE, "");
	if (argc < 2)
		bad_usage(EXIT_USAGE, "no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		flush_out(&status);
		return status;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s from layoutlease %s\n", prog, LL_VERSION);
		flush_out(&status);
		return status;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* getopt's messages then name the command */
		snprintf(name, sizeof(name), "%s %s", prog, argv[1]);
		argv[1] = name;
		return commands[i].fn(argc - 1, argv + 1);
	}
	bad_usage(EXIT_USAGE, "unknown command '%s'", argv[1]);
}
