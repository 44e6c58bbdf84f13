-- CreateTable
CREATE TABLE "web_publication" (
    "partnership_id" INTEGER NOT NULL,
    "indicators_public" BOOLEAN NOT NULL DEFAULT false,
    "plans_public" BOOLEAN NOT NULL DEFAULT false,
    "pledges_public" BOOLEAN NOT NULL DEFAULT false,
    "link_key" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by_id" INTEGER,

    CONSTRAINT "web_publication_pkey" PRIMARY KEY ("partnership_id")
);

-- AddForeignKey
ALTER TABLE "web_publication" ADD CONSTRAINT "web_publication_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

