// SPDX-License-Identifier: GPL-2.0
/*
 * rpma_dax_server: serve a file on a DAX filesystem to RDMA peers with
 * librpma, as a librpma user writes it: plain open() and mmap(), and
 * rpma_mr_reg().  It knows nothing of layout leases.
 *
 *   rpma_dax_server [-p PORT] -l ADDR FILE     the server
 *   rpma_dax_server [-p PORT] -c ADDR          a client
 *
 * The server maps FILE shared, registers the mapping as the destination
 * of RDMA WRITEs and the source of RDMA READs, and gives each client that
 * connects the registration's descriptor in the connection's private
 * data.  It serves one client at a time until it is killed.
 *
 * On a stock kernel the registration fails for a file on an fsdax mount
 * (the kernel refuses long-term pins of fsdax pages; librpma then tries
 * an on-demand-paging registration, which rxe and many NICs do not have).
 * With layoutlease loaded it gets an implicit layout lease (implicit=deny,
 * the default): the registration is allowed, and a layout change that
 * would free the registered blocks (truncate, hole punch...) fails with
 * ETXTBSY while the server runs, instead of corrupting the file.
 *
 * The client reads commands from stdin, one at a time:
 *   write OFFSET TEXT       RDMA WRITE of TEXT to OFFSET of the file
 *   read OFFSET LENGTH      RDMA READ of LENGTH bytes at OFFSET, printed
 *   quit                    (or end of input)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <librpma.h>

#define DEFAULT_PORT	"7473"
#define BUF_LEN		4096	/* the client's buffer: the longest op */

static void die_rpma(const char *what, int ret)
{
	fprintf(stderr, "error: %s: %s\n", what, rpma_err_2str(ret));
	exit(1);
}

/* Wait for the connection's next event; die unless it is @want. */
static void expect_event(struct rpma_conn *conn, enum rpma_conn_event want)
{
	enum rpma_conn_event ev;
	int ret = rpma_conn_next_event(conn, &ev);

	if (ret)
		die_rpma("rpma_conn_next_event", ret);
	if (ev != want) {
		fprintf(stderr, "error: connection %s\n",
			rpma_utils_conn_event_2str(ev));
		exit(1);
	}
}

static int serve(const char *addr, const char *port, const char *path)
{
	struct rpma_conn_private_data pdata;
	struct ibv_context *ibv_ctx;
	struct rpma_conn_req *req;
	enum rpma_conn_event ev;
	struct rpma_mr_local *mr;
	struct rpma_peer *peer;
	struct rpma_conn *conn;
	struct rpma_ep *ep;
	unsigned char desc[256];
	size_t desc_size;
	struct stat st;
	void *buf;
	int fd, ret;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st) || !st.st_size) {
		fprintf(stderr, "error: %s: %s\n", path,
			fd < 0 ? strerror(errno) : "empty");
		return 1;
	}
	buf = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED) {
		perror("error: mmap");
		return 1;
	}
	ret = rpma_utils_get_ibv_context(addr, RPMA_UTIL_IBV_CONTEXT_LOCAL,
					 &ibv_ctx);
	if (ret)
		die_rpma("rpma_utils_get_ibv_context", ret);
	ret = rpma_peer_new(ibv_ctx, &peer);
	if (ret)
		die_rpma("rpma_peer_new", ret);
	ret = rpma_mr_reg(peer, buf, st.st_size,
			  RPMA_MR_USAGE_WRITE_DST | RPMA_MR_USAGE_READ_SRC, &mr);
	if (ret)
		die_rpma("rpma_mr_reg", ret);
	ret = rpma_mr_get_descriptor_size(mr, &desc_size);
	if (!ret && desc_size > sizeof(desc))
		ret = RPMA_E_NOMEM;
	if (!ret)
		ret = rpma_mr_get_descriptor(mr, desc);
	if (ret)
		die_rpma("rpma_mr_get_descriptor", ret);
	ret = rpma_ep_listen(peer, addr, port, &ep);
	if (ret)
		die_rpma("rpma_ep_listen", ret);
	printf("serving %s: %lld bytes registered, on %s port %s\n", path,
	       (long long)st.st_size, addr, port);
	fflush(stdout);

	for (;;) {
		ret = rpma_ep_next_conn_req(ep, NULL, &req);
		if (ret)
			die_rpma("rpma_ep_next_conn_req", ret);
		pdata.ptr = desc;
		pdata.len = desc_size;
		ret = rpma_conn_req_connect(&req, &pdata, &conn);
		if (ret) {
			fprintf(stderr, "error: rpma_conn_req_connect: %s\n",
				rpma_err_2str(ret));
			continue;
		}
		if (!rpma_conn_next_event(conn, &ev) &&
		    ev == RPMA_CONN_ESTABLISHED) {
			printf("client connected\n");
			fflush(stdout);
			/* the client does it all: wait for its goodbye */
			rpma_conn_next_event(conn, &ev);
		}
		rpma_conn_disconnect(conn);
		rpma_conn_delete(&conn);
		printf("client gone\n");
		fflush(stdout);
	}
}

/* Post @op and wait for its completion: 0, or -1 after a message. */
static int complete(struct rpma_conn *conn, const char *what)
{
	struct rpma_cq *cq;
	struct ibv_wc wc;
	int ret, n;

	ret = rpma_conn_get_cq(conn, &cq);
	if (!ret)
		ret = rpma_cq_wait(cq);
	if (!ret)
		ret = rpma_cq_get_wc(cq, 1, &wc, &n);
	if (ret) {
		printf("error: %s: %s\n", what, rpma_err_2str(ret));
		return -1;
	}
	if (wc.status != IBV_WC_SUCCESS) {
		printf("error: %s: %s\n", what, ibv_wc_status_str(wc.status));
		return -1;
	}
	return 0;
}

static int client(const char *addr, const char *port)
{
	struct rpma_conn_private_data pdata;
	struct rpma_mr_remote *remote;
	struct ibv_context *ibv_ctx;
	struct rpma_mr_local *local;
	struct rpma_conn_req *req;
	struct rpma_peer *peer;
	struct rpma_conn *conn;
	size_t remote_size, off, len;
	char line[BUF_LEN + 64], *buf;
	int ret, n, failed = 0;

	ret = rpma_utils_get_ibv_context(addr, RPMA_UTIL_IBV_CONTEXT_REMOTE,
					 &ibv_ctx);
	if (ret)
		die_rpma("rpma_utils_get_ibv_context", ret);
	ret = rpma_peer_new(ibv_ctx, &peer);
	if (ret)
		die_rpma("rpma_peer_new", ret);
	buf = aligned_alloc(BUF_LEN, BUF_LEN);
	if (!buf)
		die_rpma("aligned_alloc", RPMA_E_NOMEM);
	ret = rpma_mr_reg(peer, buf, BUF_LEN,
			  RPMA_MR_USAGE_WRITE_SRC | RPMA_MR_USAGE_READ_DST,
			  &local);
	if (ret)
		die_rpma("rpma_mr_reg", ret);
	ret = rpma_conn_req_new(peer, addr, port, NULL, &req);
	if (!ret)
		ret = rpma_conn_req_connect(&req, NULL, &conn);
	if (ret)
		die_rpma("connect", ret);
	expect_event(conn, RPMA_CONN_ESTABLISHED);
	ret = rpma_conn_get_private_data(conn, &pdata);
	if (!ret)
		ret = rpma_mr_remote_from_descriptor(pdata.ptr, pdata.len,
						     &remote);
	if (!ret)
		ret = rpma_mr_remote_get_size(remote, &remote_size);
	if (ret)
		die_rpma("the server's descriptor", ret);
	printf("connected: %zu bytes\n", remote_size);
	fflush(stdout);

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "write %zu %n", &off, &n) == 1) {
			len = strcspn(line + n, "\n");
			memcpy(buf, line + n, len);
			if (!len || off + len > remote_size) {
				printf("error: bad range\n");
				failed = 1;
			} else if (rpma_write(conn, remote, off, local, 0, len,
					      RPMA_F_COMPLETION_ALWAYS, NULL) ||
				   complete(conn, "rpma_write")) {
				failed = 1;
			} else {
				printf("wrote %zu bytes at %zu\n", len, off);
			}
		} else if (sscanf(line, "read %zu %zu", &off, &len) == 2) {
			if (!len || len > BUF_LEN || off + len > remote_size) {
				printf("error: bad range\n");
				failed = 1;
			} else if (rpma_read(conn, local, 0, remote, off, len,
					     RPMA_F_COMPLETION_ALWAYS, NULL) ||
				   complete(conn, "rpma_read")) {
				failed = 1;
			} else {
				printf("read: %.*s\n", (int)len, buf);
			}
		} else if (!strncmp(line, "quit", 4)) {
			break;
		} else {
			printf("error: unknown command\n");
			failed = 1;
		}
		fflush(stdout);
	}
	rpma_conn_disconnect(conn);
	rpma_conn_next_event(conn, &(enum rpma_conn_event){ 0 });
	rpma_conn_delete(&conn);
	rpma_mr_remote_delete(&remote);
	rpma_mr_dereg(&local);
	rpma_peer_delete(&peer);
	free(buf);
	return failed;
}

int main(int argc, char **argv)
{
	const char *port = DEFAULT_PORT, *listen = NULL, *connect = NULL;
	int c;

	while ((c = getopt(argc, argv, "p:l:c:")) != -1) {
		switch (c) {
		case 'p':
			port = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'c':
			connect = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (listen && !connect && optind == argc - 1)
		return serve(listen, port, argv[optind]);
	if (connect && !listen && optind == argc)
		return client(connect, port);
usage:
	fprintf(stderr, "usage: %s [-p PORT] -l ADDR FILE\n"
			"       %s [-p PORT] -c ADDR\n", argv[0], argv[0]);
	return 2;
}
