-- AlterTable
ALTER TABLE "partnership" ADD COLUMN     "privacy_policy" JSONB;

-- CreateTable
CREATE TABLE "held_text" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "findings" JSONB NOT NULL,
    "outcome" TEXT NOT NULL,
    "origin" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "held_text_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "held_text_token_key" ON "held_text"("token");

-- CreateIndex
CREATE INDEX "held_text_expires_at_idx" ON "held_text"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "held_text_partnership_id_request_key_key" ON "held_text"("partnership_id", "request_key");

-- AddForeignKey
ALTER TABLE "held_text" ADD CONSTRAINT "held_text_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "held_text" ADD CONSTRAINT "held_text_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

