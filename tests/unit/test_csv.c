/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_csv.c - the RFC 4180 reader: one record split in memory (quotes,
 * doubled quotes, embedded commas and newlines, empty fields, malformed
 * quoting, the field bound), and files read record by record (CRLF, a BOM,
 * records over several lines with the right line numbers, bad records
 * reported while reading goes on, the record size bound).
 *
 * Each file test writes its input to a temporary file that teardown
 * removes.
 */
#include "testutil.h"

#include <unistd.h>

#include "core/common.h"
#include "ingest/csv.h"

static char tmp_path[64];
static struct ordex_csv csv;

static int setup(void **state)
{
	(void)state;
	tmp_path[0] = '\0';
	memset(&csv, 0, sizeof(csv));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ordex_csv_close(&csv);
	if (tmp_path[0])
		unlink(tmp_path);
	return 0;
}

/* Writes n bytes to a new temporary file and opens it as csv. */
static void open_bytes(const char *s, size_t n)
{
	strcpy(tmp_path, "/tmp/ordex_test_csv_XXXXXX");
	int fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(ordex_csv_open(&csv, tmp_path), ORDEX_OK);
}

static void open_text(const char *s)
{
	open_bytes(s, strlen(s));
}

/* Reads the next record, expecting one with these fields at this line. */
static void next_is(long line, size_t n, const char *const *want)
{
	int rc = ordex_csv_next(&csv);
	if (rc != 1)
		print_message("csv_next: %d (%s)\n", rc, csv.err);
	assert_int_equal(rc, 1);
	assert_int_equal(csv.line, line);
	assert_int_equal(csv.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(csv.fields[i], want[i]);
}

static void next_fails(long line, const char *err)
{
	assert_int_equal(ordex_csv_next(&csv), ORDEX_E_INVAL);
	assert_int_equal(csv.line, line);
	assert_string_equal(csv.err, err);
}

static void at_end(void)
{
	assert_int_equal(ordex_csv_next(&csv), 0);
	assert_int_equal(ordex_csv_next(&csv), 0);
}

#define NEXT_IS(line, ...)                                                                         \
	do {                                                                                       \
		static const char *const want_[] = {__VA_ARGS__};                                  \
		next_is(line, ORDEX_ARRAY_LEN(want_), want_);                                      \
	} while (0)

/* ---- one record in memory ---- */

static char rec[256];
static char *fields[ORDEX_CSV_MAX_FIELDS];
static size_t count;

/* Parses a copy of s; returns what the parser returned. */
static int parse(const char *s)
{
	size_t n = strlen(s);
	assert_true(n < sizeof(rec));
	memcpy(rec, s, n + 1);
	count = 999;
	return ordex_csv_parse_record(rec, n, fields, ORDEX_CSV_MAX_FIELDS, &count);
}

static void parsed(const char *s, size_t n, const char *const *want)
{
	assert_int_equal(parse(s), ORDEX_OK);
	assert_int_equal(count, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(fields[i], want[i]);
}

#define PARSED(s, ...)                                                                             \
	do {                                                                                       \
		static const char *const want_[] = {__VA_ARGS__};                                  \
		parsed(s, ORDEX_ARRAY_LEN(want_), want_);                                          \
	} while (0)

static void test_record_plain_fields(void **state)
{
	(void)state;
	PARSED("a,bc,def", "a", "bc", "def");
	PARSED("one", "one");
}

static void test_record_quoted_field_with_comma(void **state)
{
	(void)state;
	PARSED("1,\"Smith, Ana\",x", "1", "Smith, Ana", "x");
}

static void test_record_doubled_quotes_become_one(void **state)
{
	(void)state;
	PARSED("\"say \"\"hi\"\"\",\"\"\"\"", "say \"hi\"", "\"");
}

static void test_record_quoted_field_with_newlines(void **state)
{
	(void)state;
	PARSED("\"line 1\nline 2\r\nline 3\",z", "line 1\nline 2\r\nline 3", "z");
}

static void test_record_empty_fields(void **state)
{
	(void)state;
	PARSED("", "");
	PARSED(",", "", "");
	PARSED("a,,b,", "a", "", "b", "");
	PARSED(",\"\",", "", "", "");
}

static void test_record_spaces_are_kept(void **state)
{
	(void)state;
	PARSED(" a , b ", " a ", " b ");
}

static void test_record_rejects_quote_inside_bare_field(void **state)
{
	(void)state;
	assert_int_equal(parse("a,5\" screen,b"), ORDEX_E_INVAL);
}

static void test_record_rejects_text_after_closing_quote(void **state)
{
	(void)state;
	assert_int_equal(parse("\"a\"b,c"), ORDEX_E_INVAL);
	assert_int_equal(parse("\"a\" ,c"), ORDEX_E_INVAL);
}

static void test_record_rejects_unterminated_quote(void **state)
{
	(void)state;
	assert_int_equal(parse("a,\"b"), ORDEX_E_INVAL);
	assert_int_equal(parse("\""), ORDEX_E_INVAL);
	assert_int_equal(parse("\"a\"\""), ORDEX_E_INVAL);
}

static void test_record_max_fields_fit(void **state)
{
	(void)state;
	char s[ORDEX_CSV_MAX_FIELDS * 2];
	for (int i = 0; i < ORDEX_CSV_MAX_FIELDS; i++) {
		s[2 * i] = 'x';
		s[2 * i + 1] = ',';
	}
	s[2 * ORDEX_CSV_MAX_FIELDS - 1] = '\0';
	assert_int_equal(parse(s), ORDEX_OK);
	assert_int_equal(count, ORDEX_CSV_MAX_FIELDS);
}

static void test_record_rejects_too_many_fields(void **state)
{
	(void)state;
	char s[ORDEX_CSV_MAX_FIELDS * 2 + 2];
	for (int i = 0; i <= ORDEX_CSV_MAX_FIELDS; i++) {
		s[2 * i] = 'x';
		s[2 * i + 1] = ',';
	}
	s[2 * ORDEX_CSV_MAX_FIELDS + 1] = '\0';
	assert_int_equal(parse(s), ORDEX_E_TOOBIG);
	/* a small bound given by the caller holds as well */
	char t[] = "a,b,c";
	assert_int_equal(ordex_csv_parse_record(t, 5, fields, 2, &count), ORDEX_E_TOOBIG);
}

static void test_record_reads_only_n_bytes(void **state)
{
	(void)state;
	char s[] = "a,b,\"c";
	assert_int_equal(ordex_csv_parse_record(s, 3, fields, ORDEX_CSV_MAX_FIELDS, &count),
	                 ORDEX_OK);
	assert_int_equal(count, 2);
	assert_string_equal(fields[0], "a");
	assert_string_equal(fields[1], "b");
}

/* ---- files ---- */

static void test_file_header_and_column_lookup(void **state)
{
	(void)state;
	open_text("order_id,sku,qty\n1001,A-1,2\n");
	NEXT_IS(1, "order_id", "sku", "qty");
	assert_int_equal(ordex_csv_column(&csv, "order_id"), 0);
	assert_int_equal(ordex_csv_column(&csv, "qty"), 2);
	assert_int_equal(ordex_csv_column(&csv, "price"), -1);
	assert_int_equal(ordex_csv_column(&csv, "Qty"), -1);
	NEXT_IS(2, "1001", "A-1", "2");
	at_end();
}

static void test_file_crlf_line_ends(void **state)
{
	(void)state;
	open_text("a,b\r\n1,2\r\n,\r\n");
	NEXT_IS(1, "a", "b");
	NEXT_IS(2, "1", "2");
	NEXT_IS(3, "", "");
	at_end();
}

static void test_file_crlf_inside_quotes_is_kept(void **state)
{
	(void)state;
	open_text("id,note\r\n1,\"first\r\nsecond\"\r\n2,x\r\n");
	NEXT_IS(1, "id", "note");
	NEXT_IS(2, "1", "first\r\nsecond");
	NEXT_IS(4, "2", "x");
	at_end();
}

static void test_file_bom_is_skipped_on_the_first_line(void **state)
{
	(void)state;
	open_text("\xEF\xBB\xBF"
	          "id,name\n1,\xEF\xBB\xBFx\n");
	NEXT_IS(1, "id", "name");
	assert_int_equal(ordex_csv_column(&csv, "id"), 0);
	/* elsewhere it is data */
	NEXT_IS(2, "1", "\xEF\xBB\xBFx");
	at_end();
}

static void test_file_bom_before_a_quoted_field(void **state)
{
	(void)state;
	open_text("\xEF\xBB\xBF\"id\",\"a,b\"\n");
	NEXT_IS(1, "id", "a,b");
	at_end();
}

static void test_file_bom_before_a_quoted_field_spanning_lines(void **state)
{
	(void)state;
	open_text("\xEF\xBB\xBF\"multi\nline\",b\n1,2\n");
	NEXT_IS(1, "multi\nline", "b");
	NEXT_IS(3, "1", "2");
	at_end();
}

static void test_file_record_spanning_lines_keeps_line_numbers(void **state)
{
	(void)state;
	open_text("id,review\n"
	          "1,\"great\n\nproduct, \"\"really\"\"\n\"\n"
	          "2,ok\n"
	          "3,\"a\nb\"\n");
	NEXT_IS(1, "id", "review");
	NEXT_IS(2, "1", "great\n\nproduct, \"really\"\n");
	NEXT_IS(6, "2", "ok");
	NEXT_IS(7, "3", "a\nb");
	at_end();
}

static void test_file_empty_fields_and_blank_line(void **state)
{
	(void)state;
	open_text("a,,c\n\n,,\n");
	NEXT_IS(1, "a", "", "c");
	NEXT_IS(2, "");
	NEXT_IS(3, "", "", "");
	at_end();
}

static void test_file_last_line_without_newline(void **state)
{
	(void)state;
	open_text("a,b\n1,2");
	NEXT_IS(1, "a", "b");
	NEXT_IS(2, "1", "2");
	at_end();
}

static void test_file_empty_is_at_end(void **state)
{
	(void)state;
	open_text("");
	at_end();
}

static void test_file_malformed_quoting_is_rejected_and_reading_goes_on(void **state)
{
	(void)state;
	open_text("id,name\n1,\"a\"b\n2,ok\n");
	NEXT_IS(1, "id", "name");
	next_fails(2, "malformed quoting");
	NEXT_IS(3, "2", "ok");
	at_end();
}

static void test_file_stray_quote_in_bare_field_does_not_swallow_records(void **state)
{
	(void)state;
	open_text("id,name\n1,5\" screen\n2,ok\n3,fine\n");
	NEXT_IS(1, "id", "name");
	next_fails(2, "malformed quoting");
	NEXT_IS(3, "2", "ok");
	NEXT_IS(4, "3", "fine");
	at_end();
}

static void test_file_doubled_quotes_in_bare_field_do_not_open_a_quote(void **state)
{
	(void)state;
	open_text("1,a\"\"b\n2,ok\n");
	next_fails(1, "malformed quoting");
	NEXT_IS(2, "2", "ok");
	at_end();
}

static void test_file_unterminated_quote_at_end_is_rejected(void **state)
{
	(void)state;
	open_text("id,name\n1,\"open\nstill open\n");
	NEXT_IS(1, "id", "name");
	next_fails(2, "malformed quoting");
	at_end();
}

static void test_file_too_many_fields_is_rejected_and_reading_goes_on(void **state)
{
	(void)state;
	char s[ORDEX_CSV_MAX_FIELDS * 2 + 16];
	size_t n = 0;
	for (int i = 0; i <= ORDEX_CSV_MAX_FIELDS; i++)
		n += (size_t)sprintf(s + n, "%sx", i ? "," : "");
	strcpy(s + n, "\na,b\n");
	open_text(s);
	next_fails(1, "more than 64 fields");
	NEXT_IS(2, "a", "b");
	at_end();
}

static void test_file_long_record_under_the_limit_is_read_whole(void **state)
{
	(void)state;
	size_t big = 300000;
	char *s = malloc(big + 32);
	memcpy(s, "x,\"", 3);
	memset(s + 3, 'y', big);
	s[3 + big / 2] = '\n';
	strcpy(s + 3 + big, "\"\nnext,1\n");
	open_text(s);
	assert_int_equal(ordex_csv_next(&csv), 1);
	assert_int_equal(csv.n, 2);
	assert_int_equal(strlen(csv.fields[1]), big);
	NEXT_IS(3, "next", "1");
	at_end();
	free(s);
}

static void test_file_record_over_the_size_limit_is_rejected(void **state)
{
	(void)state;
	size_t big = ORDEX_CSV_MAX_RECORD + 100;
	char *s = malloc(big + 64);
	size_t n = (size_t)sprintf(s, "h1,h2\n");
	memset(s + n, 'z', big);
	n += big;
	n += (size_t)sprintf(s + n, "\nafter,1\n");
	open_bytes(s, n);
	NEXT_IS(1, "h1", "h2");
	next_fails(2, "record longer than 1048576 bytes");
	NEXT_IS(3, "after", "1");
	at_end();
	free(s);
}

static void test_file_nul_byte_is_rejected_and_reading_goes_on(void **state)
{
	(void)state;
	static const char s[] = "a,b\n\0x,y\n1,\0\n2,ok\n";
	open_bytes(s, sizeof(s) - 1);
	NEXT_IS(1, "a", "b");
	next_fails(2, "contains a NUL byte");
	next_fails(3, "contains a NUL byte");
	NEXT_IS(4, "2", "ok");
	at_end();
}

static void test_file_utf16_is_rejected_not_misread(void **state)
{
	(void)state;
	/* "a,b\n1,2\n" in UTF-16LE with its BOM, as some spreadsheets export */
	static const char s[] = "\xFF\xFE"
	                        "a\0,\0b\0\n\0"
	                        "1\0,\0"
	                        "2\0\n\0";
	open_bytes(s, sizeof(s) - 1);
	int records = 0, rc;
	while ((rc = ordex_csv_next(&csv)) != 0) {
		assert_int_equal(rc, ORDEX_E_INVAL);
		assert_string_equal(csv.err, "contains a NUL byte");
		assert_true(++records <= 3);
	}
}

static void test_file_open_missing_reports_io_error(void **state)
{
	(void)state;
	assert_int_equal(ordex_csv_open(&csv, "/nonexistent/ordex/x.csv"), ORDEX_E_IO);
	assert_string_equal(
	    csv.err, "could not open \"/nonexistent/ordex/x.csv\": No such file or directory");
	/* teardown closes it again: closing after a failed open is safe */
	ordex_csv_close(&csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_record_plain_fields),
	    T(test_record_quoted_field_with_comma),
	    T(test_record_doubled_quotes_become_one),
	    T(test_record_quoted_field_with_newlines),
	    T(test_record_empty_fields),
	    T(test_record_spaces_are_kept),
	    T(test_record_rejects_quote_inside_bare_field),
	    T(test_record_rejects_text_after_closing_quote),
	    T(test_record_rejects_unterminated_quote),
	    T(test_record_max_fields_fit),
	    T(test_record_rejects_too_many_fields),
	    T(test_record_reads_only_n_bytes),
	    T(test_file_header_and_column_lookup),
	    T(test_file_crlf_line_ends),
	    T(test_file_crlf_inside_quotes_is_kept),
	    T(test_file_bom_is_skipped_on_the_first_line),
	    T(test_file_bom_before_a_quoted_field),
	    T(test_file_bom_before_a_quoted_field_spanning_lines),
	    T(test_file_record_spanning_lines_keeps_line_numbers),
	    T(test_file_empty_fields_and_blank_line),
	    T(test_file_last_line_without_newline),
	    T(test_file_empty_is_at_end),
	    T(test_file_malformed_quoting_is_rejected_and_reading_goes_on),
	    T(test_file_stray_quote_in_bare_field_does_not_swallow_records),
	    T(test_file_doubled_quotes_in_bare_field_do_not_open_a_quote),
	    T(test_file_unterminated_quote_at_end_is_rejected),
	    T(test_file_too_many_fields_is_rejected_and_reading_goes_on),
	    T(test_file_long_record_under_the_limit_is_read_whole),
	    T(test_file_record_over_the_size_limit_is_rejected),
	    T(test_file_nul_byte_is_rejected_and_reading_goes_on),
	    T(test_file_utf16_is_rejected_not_misread),
	    T(test_file_open_missing_reports_io_error),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
