// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the PG_droppable folio flag of MAP_DROPPABLE mappings.
 *
 * The tests work on folios fresh from the page allocator that are never
 * mapped, put on an LRU list or added to a mapping, so they only exercise
 * the folio-level rules: the flag helpers, dirty suppression in
 * folio_mark_dirty() and the flag copy done by folio_migrate_flags().
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/memcontrol.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>

#define DROPPABLE_TEST_ORDER	2

static struct folio *droppable_alloc(struct kunit *test, unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);

	if (!folio)
		kunit_skip(test, "cannot allocate an order-%u folio", order);
	return folio;
}

static void droppable_test_flag_helpers(struct kunit *test)
{
	struct folio *folio = droppable_alloc(test, 0);

	KUNIT_EXPECT_FALSE(test, folio_test_droppable(folio));
	folio_set_droppable(folio);
	KUNIT_EXPECT_TRUE(test, folio_test_droppable(folio));
	folio_clear_droppable(folio);
	KUNIT_EXPECT_FALSE(test, folio_test_droppable(folio));

	/* Freeing a droppable folio is fine: the allocator clears the flag. */
	folio_set_droppable(folio);
	folio_put(folio);
}

static void droppable_test_large_folio_head(struct kunit *test)
{
	struct folio *folio = droppable_alloc(test, DROPPABLE_TEST_ORDER);
	long i;

	KUNIT_ASSERT_TRUE(test, folio_test_large(folio));
	KUNIT_EXPECT_FALSE(test, folio_test_droppable(folio));

	folio_set_droppable(folio);
	KUNIT_EXPECT_TRUE(test, folio_test_droppable(folio));

	/* The flag lives in the head page only. */
	KUNIT_EXPECT_TRUE(test, folio->page.flags & BIT(PG_droppable));
	for (i = 1; i < folio_nr_pages(folio); i++)
		KUNIT_EXPECT_FALSE(test, folio_page(folio, i)->flags &
				   BIT(PG_droppable));

	folio_put(folio);
}

static void droppable_test_mark_dirty(struct kunit *test)
{
	struct folio *folio = droppable_alloc(test, 0);

	folio_set_droppable(folio);
	KUNIT_EXPECT_FALSE(test, folio_mark_dirty(folio));
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_droppable(folio));

	folio_put(folio);
}

static void droppable_test_mark_dirty_regular(struct kunit *test)
{
	struct folio *folio = droppable_alloc(test, 0);

	/* Without a mapping, folio_mark_dirty() just sets PG_dirty. */
	KUNIT_EXPECT_TRUE(test, folio_mark_dirty(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(folio));
	KUNIT_EXPECT_FALSE(test, folio_mark_dirty(folio));

	folio_clear_dirty(folio);
	folio_put(folio);
}

/*
 * folio_migrate_flags() hands the memcg charge of the source folio over to
 * the destination and warns if there is none, so charge the source first.
 * __mem_cgroup_charge() is not exported; a modular build can only run the
 * migration tests when memcg is disabled.
 */
static int droppable_charge(struct folio *folio)
{
#if IS_BUILTIN(CONFIG_MAP_DROPPABLE_KUNIT_TEST)
	return mem_cgroup_charge(folio, NULL, GFP_KERNEL);
#else
	return mem_cgroup_disabled() ? 0 : -EOPNOTSUPP;
#endif
}

static void droppable_migrate_one(struct kunit *test, unsigned int order,
				  bool droppable)
{
	struct folio *src = droppable_alloc(test, order);
	struct folio *dst = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);

	if (!dst) {
		folio_put(src);
		kunit_skip(test, "cannot allocate an order-%u folio", order);
	}
	if (droppable_charge(src)) {
		folio_put(dst);
		folio_put(src);
		kunit_skip(test, "cannot charge the source folio");
	}

	if (droppable)
		folio_set_droppable(src);

	KUNIT_ASSERT_TRUE(test, folio_trylock(src));
	KUNIT_ASSERT_TRUE(test, folio_trylock(dst));
	folio_migrate_flags(dst, src);
	folio_unlock(dst);
	folio_unlock(src);

	KUNIT_EXPECT_EQ(test, folio_test_droppable(dst), droppable);
	KUNIT_EXPECT_EQ(test, folio_test_droppable(src), droppable);
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(dst));

	folio_put(dst);
	folio_put(src);
}

static void droppable_test_migrate_flags(struct kunit *test)
{
	droppable_migrate_one(test, 0, true);
}

static void droppable_test_migrate_flags_regular(struct kunit *test)
{
	droppable_migrate_one(test, 0, false);
}

static void droppable_test_migrate_flags_large(struct kunit *test)
{
	droppable_migrate_one(test, DROPPABLE_TEST_ORDER, true);
}

static struct kunit_case droppable_test_cases[] = {
	KUNIT_CASE(droppable_test_flag_helpers),
	KUNIT_CASE(droppable_test_large_folio_head),
	KUNIT_CASE(droppable_test_mark_dirty),
	KUNIT_CASE(droppable_test_mark_dirty_regular),
	KUNIT_CASE(droppable_test_migrate_flags),
	KUNIT_CASE(droppable_test_migrate_flags_regular),
	KUNIT_CASE(droppable_test_migrate_flags_large),
	{}
};

static struct kunit_suite droppable_test_suite = {
	.name = "mm_droppable",
	.test_cases = droppable_test_cases,
};

kunit_test_suite(droppable_test_suite);

MODULE_DESCRIPTION("KUnit tests for the PG_droppable folio flag");
MODULE_LICENSE("GPL");
