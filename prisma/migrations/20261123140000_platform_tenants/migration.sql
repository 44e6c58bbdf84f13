-- CreateTable
CREATE TABLE "platform_tenant" (
    "platform" "platform" NOT NULL,
    "tenant" TEXT NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_tenant_pkey" PRIMARY KEY ("platform","tenant")
);

-- AddForeignKey
ALTER TABLE "platform_tenant" ADD CONSTRAINT "platform_tenant_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

